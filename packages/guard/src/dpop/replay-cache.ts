/**
 * Where a resource records the DPoP proofs it accepted, so that each proof is used once (RFC 9449
 * section 11.1). The guard records a proof only after it fully verified and matched its token, and
 * refuses the request when the cache cannot answer (fail closed).
 */
export interface DpopReplayCache {
  /**
   * Records the proof `jti` of the key with thumbprint `jkt` for `ttl` milliseconds. Resolves `true` when
   * it was not recorded yet (the proof may be accepted), `false` when it was (a replay). Rejects when it
   * cannot tell (full, unreachable).
   */
  markUsed(jkt: string, jti: string, ttl: number): Promise<boolean>;
  /** Releases what the cache holds (connections); `verifier.close()` calls it. */
  close?(): void | Promise<void>;
}

/** Options of {@link MemoryDpopReplayCache}. */
export interface MemoryDpopReplayCacheOptions {
  /** Most proofs held at once; when that many are live, new proofs are refused. Default 100000. */
  maxEntries?: number;
  /** Clock in epoch milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

/** The in-memory replay cache is full of live entries: the proof is refused rather than one forgotten. */
export class DpopReplayCacheFullError extends Error {
  override readonly name = "DpopReplayCacheFullError";
}

/**
 * A bounded, in-process {@link DpopReplayCache}, for a service that runs as one process (a fleet needs
 * one shared cache: `redisDpopReplayCache`, or a proof replays against another instance).
 *
 * Entries expire once their proof's `iat` window is over. Expiry times are kept in insertion order (an
 * entry never expires before the one recorded before it), so expired entries are dropped from the front
 * in amortised O(1), and "full" means `maxEntries` live entries. When full, a new proof is refused
 * ({@link DpopReplayCacheFullError}, answered 503) instead of evicting a live entry: forgetting a live
 * entry would let its proof be replayed, silently; refusing is visible and ends by itself when entries
 * expire (at most the proof window later). Only fully verified proofs of tokens the issuer bound are
 * recorded, so filling the cache takes a valid token and its key; size it for the peak rate of DPoP
 * requests times the proof window (default 100000: about 1500 requests per second for a 65 s window).
 *
 * @example
 * ```ts
 * const replayCache = new MemoryDpopReplayCache({ maxEntries: 50_000 });
 * const verifier = createVerifier({ issuer, audience, publicUrl: "https://api.example.com", dpop: { replayCache } });
 * ```
 */
export class MemoryDpopReplayCache implements DpopReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #latest = 0;

  constructor(options: MemoryDpopReplayCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new TypeError("maxEntries must be a positive integer");
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Number of live entries (after dropping expired ones). */
  get size(): number {
    this.#sweep(this.#now());
    return this.#entries.size;
  }

  async markUsed(jkt: string, jti: string, ttl: number): Promise<boolean> {
    const now = this.#now();
    this.#sweep(now);
    const key = `${jkt}:${jti}`;
    if (this.#entries.has(key)) return false;
    if (this.#entries.size >= this.#maxEntries)
      throw new DpopReplayCacheFullError(`DPoP replay cache full (${this.#maxEntries} live proofs)`);
    this.#latest = Math.max(now + ttl, this.#latest);
    this.#entries.set(key, this.#latest);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}
