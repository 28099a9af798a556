import { execFileSync } from "node:child_process";
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from "node:crypto";
import { hash as argon2 } from "@node-rs/argon2";
import bcrypt from "bcryptjs";

/**
 * Password hashes as other systems make them, each by a real implementation of its
 * algorithm (never by the server's code): bcryptjs, @node-rs/argon2, node:crypto, and
 * the system's crypt(3) (libxcrypt, through perl) for `$2y$`, `$2a$` and `$7$`.
 */

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");
const CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const cryptSalt = (length: number) => Array.from(randomBytes(length), (byte) => CRYPT64[byte % 64]).join("");

/** crypt(3) of the system's libxcrypt (Debian: libcrypt1; perl's crypt calls it). */
export function systemCrypt(password: string, setting: string): string {
  return execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, setting], {
    encoding: "utf8",
  });
}

/** Firebase's scrypt as its reference implementation computes it (github.com/firebase/scrypt). */
export function firebaseScrypt(
  password: string,
  params: { salt: string; saltSeparator: string; signerKey: string; rounds: number; memCost: number },
): string {
  const key = scryptSync(
    password,
    Buffer.concat([Buffer.from(params.salt, "base64"), Buffer.from(params.saltSeparator, "base64")]),
    32,
    { N: 2 ** params.memCost, r: params.rounds, p: 1 },
  );
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.from(params.signerKey, "base64")), cipher.final()]).toString(
    "base64",
  );
}

/** Firebase's published example parameters (the README of github.com/firebase/scrypt). */
export const FIREBASE_PROJECT = {
  signerKey: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
  saltSeparator: "Bw==",
  rounds: 8,
  memCost: 14,
};

export type ForeignHash = string | { algorithm: "firebase-scrypt"; hash: string; salt: string };

const MAKERS: Record<string, (password: string) => Promise<ForeignHash> | ForeignHash> = {
  "bcrypt $2b$ (bcryptjs)": (password) => bcrypt.hash(password, 4),
  "bcrypt $2y$ (crypt(3))": (password) => systemCrypt(password, `$2y$05$${cryptSalt(21)}.`),
  "bcrypt $2a$ (crypt(3))": (password) => systemCrypt(password, `$2a$05$${cryptSalt(21)}.`),
  argon2id: (password) => argon2(password, { algorithm: 2, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
  argon2i: (password) => argon2(password, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
  "scrypt $scrypt$ (PHC)": (password) => {
    const salt = randomBytes(16);
    return `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }))}`;
  },
  "scrypt $7$ (crypt(3))": (password) => systemCrypt(password, `$7$A6..../....${cryptSalt(16)}`),
  "pbkdf2-sha256 (passlib)": (password) => {
    const salt = randomBytes(16);
    const ab64 = (bytes: Buffer) => b64(bytes).replaceAll("+", ".");
    return `$pbkdf2-sha256$1000$${ab64(salt)}$${ab64(pbkdf2Sync(password, salt, 1000, 32, "sha256"))}`;
  },
  "pbkdf2-sha256 (PHC)": (password) => {
    const salt = randomBytes(16);
    return `$pbkdf2-sha256$i=1000,l=32$${b64(salt)}$${b64(pbkdf2Sync(password, salt, 1000, 32, "sha256"))}`;
  },
  "pbkdf2_sha256 (Django)": (password) => {
    const salt = randomBytes(11).toString("hex");
    return `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(password, salt, 1000, 32, "sha256").toString("base64")}`;
  },
  "firebase-scrypt": (password) => {
    const salt = randomBytes(12).toString("base64");
    return {
      algorithm: "firebase-scrypt",
      hash: firebaseScrypt(password, { ...FIREBASE_PROJECT, salt }),
      salt,
    };
  },
};

/** The formats `foreignHash` makes, by name. */
export const FOREIGN_FORMATS = Object.keys(MAKERS);

/** A hash of `password` in that format, cheap parameters (tests). */
export async function foreignHash(format: string, password: string): Promise<ForeignHash> {
  const make = MAKERS[format];
  if (!make) throw new Error(`no format ${format}`);
  return make(password);
}

/** One hash of `password` per format, by name. */
export async function foreignHashes(password: string): Promise<Record<string, ForeignHash>> {
  const entries = await Promise.all(
    FOREIGN_FORMATS.map(async (f) => [f, await foreignHash(f, password)] as const),
  );
  return Object.fromEntries(entries);
}
