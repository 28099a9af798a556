import { createHash, timingSafeEqual } from "node:crypto";

/** The only code_challenge_method accepted (OAuth 2.1: no `plain`). */
export const CODE_CHALLENGE_METHODS = ["S256"] as const;

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** RFC 7636: a S256 code_challenge is the base64url SHA-256 of a 43-128 character verifier. */
export function isValidChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** Whether the verifier matches the S256 challenge (constant time). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
