import { randomInt } from "node:crypto";
import { hashToken } from "../../tokens/opaque.js";

/** Letters and digits nobody misreads (no 0/O, 1/I/L, U/V): 29 symbols, over 48 bits a code. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ";
const LENGTH = 10;
/** How many codes a person gets at a time. */
export const RECOVERY_CODE_COUNT = 10;

/** Ten new codes, `xxxxx-xxxxx`, from the OS CSPRNG. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A typed code in its stored form (any case, with or without the dash), or undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string | undefined): string | undefined {
  const code = (input ?? "").replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== LENGTH || [...code].some((c) => !ALPHABET.includes(c))) return undefined;
  return code;
}

/** Storage form: SHA-256 of the normalized code (random codes need no salt or slow hash to be looked up). */
export function recoveryCodeHash(code: string): string {
  return hashToken(`recovery-code:${normalizeRecoveryCode(code) ?? code}`);
}
