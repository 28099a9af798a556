import type { Algorithm } from "@node-rs/argon2";
import { isRefused, readPasswordHash } from "./password-hashes/index.js";

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
// (Algorithm is a const enum: Argon2id = 2.)
const OPTIONS = {
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** How every hash this server makes begins: anything else is replaced at the next sign-in. */
const CURRENT = `$argon2id$v=19$m=${OPTIONS.memoryCost},t=${OPTIONS.timeCost},p=${OPTIONS.parallelism}$`;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(password: string): Promise<string> {
  // The native module loads at the first password hashed, not at start-up.
  return (await import("@node-rs/argon2")).hash(password, OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash: this server's argon2id, or one imported
 * from another system (bcrypt, scrypt, PBKDF2, Firebase scrypt: `password-hashes/`).
 * With no stored hash (unknown user) it still does the same work against a dummy
 * argon2id hash, so timing does not reveal which usernames exist.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  dummy ??= hashPassword("frontdesk-dummy-password");
  const target = readPasswordHash(stored ?? (await dummy));
  if (isRefused(target)) return false;
  const ok = await target.verify(password);
  return ok && stored !== undefined;
}

/** Whether a stored hash is not this server's own argon2id (imported, or older parameters). */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT);
}
