import type { DurableStore } from "../../storage/durable/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import { initialAccessTokenRepository } from "./tokens-repo.js";

/** How long an initial access token works when no lifetime is given: one hour. */
export const DEFAULT_INITIAL_ACCESS_TOKEN_TTL = 3600;

/**
 * Issues an initial access token for the registration endpoint (RFC 7591 3): opaque,
 * 256 bits, shown once, stored as its SHA-256. Multi-use until it expires, unless
 * `singleUse` (then its first successful registration spends it).
 */
export async function issueInitialAccessToken(
  durable: DurableStore,
  options: { expiresIn?: number; singleUse?: boolean; now?: number } = {},
): Promise<{ token: string; expiresAt: number }> {
  const expiresIn = options.expiresIn ?? DEFAULT_INITIAL_ACCESS_TOKEN_TTL;
  if (!Number.isSafeInteger(expiresIn) || expiresIn <= 0)
    throw new RangeError("expires-in: a whole number of seconds, more than 0");
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const token = newOpaqueToken();
  const expiresAt = now + expiresIn;
  await initialAccessTokenRepository(durable).insert({
    tokenHash: hashToken(token),
    createdAt: now,
    expiresAt,
    singleUse: Boolean(options.singleUse),
    usedAt: null,
  });
  return { token, expiresAt };
}
