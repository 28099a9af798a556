import { pbkdf2 } from "node:crypto";
import { readBase64 } from "./encoding.js";
import { type HashReader, inRange, parts, readable, refuse, sameBytes } from "./scheme.js";

/** At most 5,000,000 iterations (about 2 s): Django 5 uses about 1,000,000. */
export const PBKDF2_LIMITS = { iterations: 5_000_000 } as const;

function pbkdf2Sha256(
  password: string,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, length, "sha256", (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function reader(scheme: string, salt: Uint8Array, iterations: number, hash: Uint8Array) {
  const problem = inRange(`${scheme} iterations`, iterations, 1, PBKDF2_LIMITS.iterations);
  if (problem) return refuse(problem);
  if (salt.length === 0) return refuse(`${scheme}: the salt is empty`);
  if (hash.length < 16 || hash.length > 64) return refuse(`${scheme}: the hash is not 16 to 64 bytes`);
  return readable(scheme, async (password) =>
    sameBytes(await pbkdf2Sha256(password, salt, iterations, hash.length), hash),
  );
}

const PASSLIB = /^\$pbkdf2-sha256\$(?<i>\d{1,10})\$(?<salt>[^$]*)\$(?<hash>[^$]+)$/;
const PHC = /^\$pbkdf2-sha256\$i=(?<i>\d{1,10})(?:,l=(?<l>\d{1,3}))?\$(?<salt>[^$]*)\$(?<hash>[^$]+)$/;

/**
 * PBKDF2-HMAC-SHA256 in its two `$pbkdf2-sha256$` strings: passlib's
 * `$pbkdf2-sha256$<iterations>$<salt>$<hash>` (passlib's base64, "." for "+") and the
 * PHC one, `$pbkdf2-sha256$i=<iterations>[,l=<hash length>]$<salt>$<hash>` (base64).
 */
export const readPbkdf2: HashReader = (encoded) => {
  if (!encoded.startsWith("$pbkdf2-sha256$")) return undefined;
  const names = ["i", "l", "salt", "hash"] as const;
  const match = parts(PHC, encoded, names) ?? parts(PASSLIB, encoded, names);
  if (!match)
    return refuse(
      "pbkdf2-sha256: expected $pbkdf2-sha256$<iterations>$salt$hash or $pbkdf2-sha256$i=…$salt$hash",
    );
  const salt = readBase64(match.salt);
  const hash = readBase64(match.hash);
  if (!salt || !hash) return refuse("pbkdf2-sha256: the salt or the hash is not base64");
  if (match.l !== "" && Number(match.l) !== hash.length)
    return refuse("pbkdf2-sha256: l= does not match the length of the hash");
  return reader("pbkdf2-sha256", salt, Number(match.i), hash);
};

const DJANGO = /^pbkdf2_sha256\$(?<i>\d{1,10})\$(?<salt>[^$]+)\$(?<hash>[A-Za-z0-9+/]+={0,2})$/;

/**
 * Django's PBKDF2 (its default hasher): `pbkdf2_sha256$<iterations>$<salt>$<hash>`,
 * the salt used as written, the hash in base64 with padding.
 */
export const readDjangoPbkdf2: HashReader = (encoded) => {
  if (!encoded.startsWith("pbkdf2_sha256$")) return undefined;
  const match = parts(DJANGO, encoded, ["i", "salt", "hash"]);
  const hash = match && readBase64(match.hash);
  if (!match || !hash) return refuse("pbkdf2_sha256 (Django): expected pbkdf2_sha256$<iterations>$salt$hash");
  return reader("pbkdf2_sha256", Buffer.from(match.salt, "utf8"), Number(match.i), hash);
};
