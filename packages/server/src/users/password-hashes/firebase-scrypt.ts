import { createCipheriv } from "node:crypto";
import { readAnyBase64, readBase64 } from "./encoding.js";
import { type HashReader, parts, type RefusedHash, readable, refuse, sameBytes } from "./scheme.js";
import { type ScryptCost, scryptCostProblem, scryptKey } from "./scrypt.js";

/** The project-wide parameters of Firebase's scrypt (Authentication → Users → Password hash parameters). */
export interface FirebaseHashConfig {
  /** base64_signer_key */
  signerKey: string;
  /** base64_salt_separator */
  saltSeparator: string;
  rounds: number;
  memCost: number;
}

const NAMES = { logN: "mem_cost", r: "rounds", p: "p" };

/**
 * Firebase's modified scrypt, as its reference implementation (github.com/firebase/scrypt)
 * computes it: key = scrypt(password, salt ‖ salt separator, N = 2^mem_cost, r = rounds,
 * p = 1, 32 bytes); hash = AES-256-CTR(key, IV of zeros) applied to the signer key.
 */
async function firebaseHash(
  password: string,
  salt: Buffer,
  saltSeparator: Buffer,
  signerKey: Buffer,
  cost: ScryptCost,
): Promise<Buffer> {
  const key = await scryptKey(password, Buffer.concat([salt, saltSeparator]), 32, cost);
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(signerKey), cipher.final()]);
}

const STORED =
  /^\$firescrypt\$ln=(?<ln>\d{1,3}),r=(?<r>\d{1,4}),p=(?<p>\d{1,4})\$(?<salt>[^$]+)\$(?<hash>[^$]+)\$(?<separator>[^$]*)\$(?<key>[^$]+)$/;

/**
 * Firebase's scrypt as one string, the form Ory Kratos also reads and Frontdesk stores:
 * `$firescrypt$ln=<mem_cost>,r=<rounds>,p=1$<salt>$<hash>$<salt separator>$<signer key>`
 * (base64). It carries the project's parameters with each hash, since the check needs them.
 */
export const readFirebaseScrypt: HashReader = (encoded) => {
  if (!encoded.startsWith("$firescrypt$")) return undefined;
  const match = parts(STORED, encoded, ["ln", "r", "p", "salt", "hash", "separator", "key"]);
  if (!match)
    return refuse("firebase-scrypt: expected $firescrypt$ln=…,r=…,p=…$salt$hash$salt_separator$signer_key");
  const cost = { logN: Number(match.ln), r: Number(match.r), p: Number(match.p) };
  const problem = scryptCostProblem(cost, NAMES);
  if (problem) return refuse(problem);
  const [salt, hash, separator, signerKey] = [match.salt, match.hash, match.separator, match.key].map(
    readBase64,
  );
  if (!salt || !hash || !separator || !signerKey)
    return refuse("firebase-scrypt: the salt, hash, salt separator or signer key is not base64");
  if (signerKey.length === 0 || hash.length !== signerKey.length)
    return refuse("firebase-scrypt: the hash is not as long as the signer key (wrong signer key?)");
  return readable("firebase-scrypt", async (password) =>
    sameBytes(await firebaseHash(password, salt, separator, signerKey, cost), hash),
  );
};

/** The object form of a Firebase hash in an import file (`password_hash`), parameters optional. */
export interface FirebaseHashInput {
  hash: string;
  salt: string;
  signer_key?: string;
  salt_separator?: string;
  rounds?: number;
  mem_cost?: number;
}

/**
 * A Firebase hash from `firebase auth:export` (its `passwordHash` and `salt`) with the
 * project's parameters, taken from the object first and then from `config`, written as
 * a `$firescrypt$` string. Refused when a parameter is missing or not base64.
 */
export function firebaseScryptString(
  input: FirebaseHashInput,
  config: Partial<FirebaseHashConfig> = {},
): string | RefusedHash {
  const signerKey = input.signer_key ?? config.signerKey;
  const separator = input.salt_separator ?? config.saltSeparator;
  const rounds = input.rounds ?? config.rounds;
  const memCost = input.mem_cost ?? config.memCost;
  const missing = [
    signerKey === undefined && "signer_key (--firebase-signer-key)",
    separator === undefined && "salt_separator (--firebase-salt-separator)",
    rounds === undefined && "rounds (--firebase-rounds)",
    memCost === undefined && "mem_cost (--firebase-mem-cost)",
  ].filter(Boolean);
  if (missing.length) return refuse(`firebase-scrypt: no ${missing.join(", ")}`);
  const parts = [input.salt, input.hash, separator as string, signerKey as string].map(readAnyBase64);
  if (parts.some((part) => part === undefined))
    return refuse("firebase-scrypt: the salt, hash, salt separator or signer key is not base64");
  const [salt, hash, sep, key] = (parts as Buffer[]).map((part) => part.toString("base64"));
  return `$firescrypt$ln=${memCost},r=${rounds},p=1$${salt}$${hash}$${sep}$${key}`;
}
