import type { AccessTokenClaims } from "./claims.js";

interface Entry {
  claims: AccessTokenClaims;
  /** Epoch ms after which the signature is checked again. */
  until: number;
}

/**
 * Remembers tokens whose signature and fixed claims (`alg`, `typ`, `iss`, `aud`)
 * verified, so a client's token seen again costs a map lookup instead of an ECDSA
 * verification. A token's text cannot change without breaking its signature, so
 * the cached claims are exactly what a fresh check would produce; anything that
 * depends on time or on revocation is checked by the caller on every call. Bounded
 * in size (oldest dropped first) and in age (the signature is re-checked at least
 * every `ttl` ms, so a key withdrawn from the JWKS stops being honoured).
 *
 * @example
 * ```ts
 * const cache = new VerifiedTokenCache(10_000, 60_000);
 * cache.set(token, claims);
 * cache.get(token); // claims, until evicted or stale
 * ```
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly size: number,
    private readonly ttl: number,
  ) {}

  get(token: string): AccessTokenClaims | undefined {
    if (this.size === 0) return undefined;
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: AccessTokenClaims): void {
    if (this.size === 0) return;
    if (this.entries.size >= this.size) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : 0;
    this.entries.set(token, {
      claims: Object.freeze({ ...claims }),
      until: Math.min(Date.now() + this.ttl, expiresAt),
    });
  }
}
