import type { ClientRecord } from "../storage/durable/types.js";
import { digestsEqual, hashToken, newOpaqueToken } from "../tokens/opaque.js";

/** A new client secret (256 bits) and the hash to store. The secret is shown once. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = newOpaqueToken();
  return { secret, hash: hashToken(secret) };
}

/** Compared against when a client has no previous secret, so both comparisons always run. */
const NO_HASH = "00".repeat(32);

/**
 * Constant-time check of a presented secret against the client's secret, and against
 * its previous secret while that is within its grace period after a rotation. Both
 * comparisons always run, so the time taken does not tell which one matched.
 */
export function clientSecretMatches(
  presented: string,
  client: Pick<ClientRecord, "secretHash" | "previousSecretHash" | "previousSecretExpiresAt">,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  const digest = hashToken(presented);
  const current = client.secretHash !== null && digestsEqual(digest, client.secretHash);
  const previous = digestsEqual(digest, client.previousSecretHash ?? NO_HASH);
  const inGrace =
    client.previousSecretHash !== null &&
    client.previousSecretExpiresAt !== null &&
    now < client.previousSecretExpiresAt;
  return current || (previous && inGrace);
}
