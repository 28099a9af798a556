import { scrypt } from "node:crypto";
import { readBase64, readCrypt64Number, writeCrypt64Bytes } from "./encoding.js";
import { type HashReader, inRange, parts, readable, refuse, sameBytes } from "./scheme.js";

/** The most an scrypt hash may ask of one sign-in: 128·N·r bytes of memory, p ≤ 16. */
export const SCRYPT_LIMITS = { memoryBytes: 256 * 1024 * 1024, logN: 20, r: 32, p: 16 } as const;

export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** Why these parameters are refused (out of bounds), or undefined. `names` says what the format calls them. */
export function scryptCostProblem(
  cost: ScryptCost,
  names = { logN: "ln", r: "r", p: "p" },
): string | undefined {
  const problem =
    inRange(`scrypt ${names.logN}`, cost.logN, 1, SCRYPT_LIMITS.logN) ??
    inRange(`scrypt ${names.r}`, cost.r, 1, SCRYPT_LIMITS.r) ??
    inRange(`scrypt ${names.p}`, cost.p, 1, SCRYPT_LIMITS.p);
  if (problem) return problem;
  if (128 * 2 ** cost.logN * cost.r > SCRYPT_LIMITS.memoryBytes)
    return `scrypt would need more than ${SCRYPT_LIMITS.memoryBytes / 2 ** 20} MiB (128·N·r bytes)`;
  return undefined;
}

/** scrypt (RFC 7914) with node:crypto, allowed the memory its parameters need (bounded above). */
export function scryptKey(
  password: string,
  salt: Uint8Array,
  length: number,
  cost: ScryptCost,
): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const maxmem = 128 * cost.r * (N + cost.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { N, r: cost.r, p: cost.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const PHC = /^\$scrypt\$ln=(?<ln>\d{1,3}),r=(?<r>\d{1,4}),p=(?<p>\d{1,4})\$(?<salt>[^$]+)\$(?<hash>[^$]+)$/;

/**
 * scrypt in the PHC string passlib writes: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`,
 * salt and hash in base64 (no padding); the hash is 16 to 64 bytes.
 */
export const readPhcScrypt: HashReader = (encoded) => {
  if (!encoded.startsWith("$scrypt$")) return undefined;
  const match = parts(PHC, encoded, ["ln", "r", "p", "salt", "hash"]);
  if (!match) return refuse("scrypt: not a PHC string $scrypt$ln=…,r=…,p=…$salt$hash");
  const cost = { logN: Number(match.ln), r: Number(match.r), p: Number(match.p) };
  const problem = scryptCostProblem(cost);
  if (problem) return refuse(problem);
  const salt = readBase64(match.salt);
  const hash = readBase64(match.hash);
  if (!salt || salt.length === 0) return refuse("scrypt: the salt is not base64");
  if (!hash || hash.length < 16 || hash.length > 64)
    return refuse("scrypt: the hash is not base64 of 16 to 64 bytes");
  return readable("scrypt", async (password) =>
    sameBytes(await scryptKey(password, salt, hash.length, cost), hash),
  );
};

const CRYPT =
  /^\$7\$(?<n>[./0-9A-Za-z])(?<r>[./0-9A-Za-z]{5})(?<p>[./0-9A-Za-z]{5})(?<salt>[./0-9A-Za-z]{1,64})\$(?<hash>[./0-9A-Za-z]{43})$/;

/**
 * scrypt in the modular-crypt string of libsodium (`crypto_pwhash_scryptsalsa208sha256_str`)
 * and libxcrypt's crypt(3): `$7$` + N (one digit, log2) + r and p (five digits each) +
 * the salt + `$` + 32 bytes of hash, in crypt's "./0-9A-Za-z" digits. The salt is used
 * as written, as those libraries do.
 */
export const readCryptScrypt: HashReader = (encoded) => {
  if (!encoded.startsWith("$7$")) return undefined;
  const match = parts(CRYPT, encoded, ["n", "r", "p", "salt", "hash"]);
  if (!match)
    return refuse("scrypt $7$: expected $7$, 11 digits of parameters, a salt, $ and 43 digits of hash");
  const cost = {
    logN: readCrypt64Number(match.n) ?? 0,
    r: readCrypt64Number(match.r) ?? 0,
    p: readCrypt64Number(match.p) ?? 0,
  };
  const problem = scryptCostProblem(cost, { logN: "log2 N", r: "r", p: "p" });
  if (problem) return refuse(problem);
  const salt = Buffer.from(match.salt, "latin1");
  const stored = Buffer.from(match.hash, "latin1");
  return readable("scrypt", async (password) => {
    const key = await scryptKey(password, salt, 32, cost);
    return sameBytes(Buffer.from(writeCrypt64Bytes(key), "latin1"), stored);
  });
};
