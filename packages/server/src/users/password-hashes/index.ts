import { readArgon2 } from "./argon2.js";
import { readBcrypt } from "./bcrypt.js";
import { readFirebaseScrypt } from "./firebase-scrypt.js";
import { readDjangoPbkdf2, readPbkdf2 } from "./pbkdf2.js";
import type { HashReader, ReadableHash, RefusedHash } from "./scheme.js";
import { readCryptScrypt, readPhcScrypt } from "./scrypt.js";

export { type FirebaseHashConfig, type FirebaseHashInput, firebaseScryptString } from "./firebase-scrypt.js";
export type { ReadableHash, RefusedHash } from "./scheme.js";

const READERS: readonly HashReader[] = [
  readArgon2,
  readBcrypt,
  readPhcScrypt,
  readCryptScrypt,
  readPbkdf2,
  readDjangoPbkdf2,
  readFirebaseScrypt,
];

/** The accepted strings, for messages and the docs. */
export const ACCEPTED_HASHES =
  "$argon2id$, $argon2i$, bcrypt ($2a$, $2b$, $2y$), scrypt ($scrypt$, $7$), " +
  "PBKDF2-SHA256 ($pbkdf2-sha256$, Django's pbkdf2_sha256$) and Firebase scrypt ($firescrypt$)";

/**
 * Reads a stored password hash of any accepted scheme (docs/migrating-users.md): how
 * to check a password against it, or why it is refused (never quoting the hash).
 */
export function readPasswordHash(encoded: string): ReadableHash | RefusedHash {
  for (const read of READERS) {
    const result = read(encoded);
    if (result) return result;
  }
  return { refused: `unknown hash format; accepted: ${ACCEPTED_HASHES}` };
}

export function isRefused(result: ReadableHash | RefusedHash): result is RefusedHash {
  return "refused" in result;
}
