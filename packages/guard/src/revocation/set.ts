import type { JWTPayload } from "jose";
import type { RevocationCheck } from "./check.js";
import { parseRevocationEvent } from "./event.js";

/** Options of {@link RevocationSet}. */
export interface RevocationSetOptions {
  /** How often expired entries are dropped, in milliseconds. Default 60000. The timer is `unref`'d. */
  sweepInterval?: number;
  /** Clock in epoch milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

interface SubjectEntry {
  before: number;
  expiresAt: number;
}

/**
 * In-memory set of live revocation events with O(1) checks by `jti`, `sub` (+ `before`), `sid` and
 * `client_id`. Entries are dropped after their `expires_at`, so memory stays bounded by the access-token
 * lifetime.
 *
 * @example
 * ```ts
 * const revoked = new RevocationSet();
 * revoked.add({ type: "jti", value: "b1f0", expires_at: Math.floor(Date.now() / 1000) + 600 });
 * revoked.isRevoked({ jti: "b1f0" }); // true
 * ```
 */
export class RevocationSet implements RevocationCheck {
  readonly #jti = new Map<string, number>();
  readonly #sid = new Map<string, number>();
  readonly #client = new Map<string, number>();
  readonly #sub = new Map<string, SubjectEntry>();
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: RevocationSetOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), options.sweepInterval ?? 60_000);
    this.#timer.unref();
  }

  /** Number of entries currently held. */
  get size(): number {
    return this.#jti.size + this.#sid.size + this.#client.size + this.#sub.size;
  }

  /**
   * Adds an event (or raw feed JSON); invalid or already-expired events are ignored. Returns whether it
   * was added.
   *
   * @example
   * ```ts
   * revoked.add({ type: "sub", value: "user-1", before: 1732375000, expires_at: 1732375600 });
   * ```
   */
  add(input: unknown): boolean {
    const event = parseRevocationEvent(input);
    if (!event || event.expires_at <= this.#nowSeconds()) return false;
    const keep = (map: Map<string, number>) =>
      map.set(event.value, Math.max(map.get(event.value) ?? 0, event.expires_at));
    if (event.type === "jti") keep(this.#jti);
    else if (event.type === "sid") keep(this.#sid);
    else if (event.type === "client") keep(this.#client);
    else {
      const prior = this.#sub.get(event.value);
      this.#sub.set(event.value, {
        before: Math.max(prior?.before ?? Number.NEGATIVE_INFINITY, event.before as number),
        expiresAt: Math.max(prior?.expiresAt ?? 0, event.expires_at),
      });
    }
    return true;
  }

  /**
   * Replaces every entry with the given snapshot (a feed's `reset`).
   *
   * @example
   * ```ts
   * revoked.replace(snapshot.events);
   * ```
   */
  replace(events: readonly unknown[]): void {
    this.clear();
    for (const event of events) this.add(event);
  }

  /** Removes every entry. */
  clear(): void {
    this.#jti.clear();
    this.#sid.clear();
    this.#client.clear();
    this.#sub.clear();
  }

  /**
   * Whether a token with these claims is revoked. A `sub` entry also revokes tokens without a numeric
   * `iat` (fail closed).
   *
   * @example
   * ```ts
   * if (revoked.isRevoked(claims)) throw new Error("token revoked");
   * ```
   */
  isRevoked(claims: JWTPayload): boolean {
    const now = this.#nowSeconds();
    const live = (map: Map<string, number>, key: unknown) =>
      typeof key === "string" && (map.get(key) ?? 0) > now;
    if (live(this.#jti, claims.jti) || live(this.#sid, claims.sid) || live(this.#client, claims.client_id)) {
      return true;
    }
    const sub = typeof claims.sub === "string" ? this.#sub.get(claims.sub) : undefined;
    if (!sub || sub.expiresAt <= now) return false;
    return typeof claims.iat !== "number" || claims.iat <= sub.before;
  }

  /**
   * Drops entries whose `expires_at` has passed; runs periodically on its own.
   *
   * @example
   * ```ts
   * revoked.sweep();
   * ```
   */
  sweep(): void {
    const now = this.#nowSeconds();
    for (const map of [this.#jti, this.#sid, this.#client]) {
      for (const [key, expiresAt] of map) if (expiresAt <= now) map.delete(key);
    }
    for (const [key, entry] of this.#sub) if (entry.expiresAt <= now) this.#sub.delete(key);
  }

  /** Stops the sweep timer. */
  close(): void {
    clearInterval(this.#timer);
  }

  #nowSeconds(): number {
    return this.#now() / 1000;
  }
}
