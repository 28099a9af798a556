import { digestsEqual, hashToken, newOpaqueToken } from "../tokens/opaque.js";

/** A new client secret (256 bits) and the hash to store. The secret is shown once. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = newOpaqueToken();
  return { secret, hash: hashToken(secret) };
}

/** Constant-time check of a presented secret against the stored hash. */
export function clientSecretMatches(presented: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  return digestsEqual(hashToken(presented), storedHash);
}
