import { timingSafeEqual } from "node:crypto";

/** A stored password hash that can be checked: its scheme and the check. */
export interface ReadableHash {
  /** The scheme's name in reports and the docs: "argon2id", "bcrypt", "scrypt", … */
  scheme: string;
  /** Whether the password is the one hashed. Never throws for a wrong password. */
  verify(password: string): Promise<boolean>;
}

/** Why a hash string cannot be accepted. The reason names the problem, never the hash. */
export interface RefusedHash {
  refused: string;
}

/**
 * One scheme's reader: undefined when the string is not of this scheme (another
 * reader may take it), a refusal when it claims the scheme but is malformed or asks
 * for more work than a sign-in may cost.
 */
export type HashReader = (encoded: string) => ReadableHash | RefusedHash | undefined;

export function refuse(refused: string): RefusedHash {
  return { refused };
}

/** The named groups of a match (an absent optional group is ""), or undefined when the text does not match. */
export function parts<const K extends string>(
  pattern: RegExp,
  text: string,
  names: readonly K[],
): Record<K, string> | undefined {
  const groups = pattern.exec(text)?.groups;
  if (!groups) return undefined;
  return Object.fromEntries(names.map((name) => [name, groups[name] ?? ""])) as Record<K, string>;
}

/** A whole number in [min, max], or a refusal naming the parameter. */
export function inRange(name: string, value: number, min: number, max: number): string | undefined {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    return `${name} must be between ${min} and ${max}, not ${value}`;
  return undefined;
}

/** Constant-time comparison of a computed and a stored hash (lengths are not secret). */
export function sameBytes(computed: Uint8Array, stored: Uint8Array): boolean {
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/** A readable hash whose check counts any failure of the library (a malformed string) as a wrong password. */
export function readable(scheme: string, check: (password: string) => Promise<boolean>): ReadableHash {
  return {
    scheme,
    async verify(password) {
      try {
        return await check(password);
      } catch {
        return false;
      }
    },
  };
}
