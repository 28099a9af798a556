/**
 * The fast store: short-lived, TTL-bound state (sessions, authorization codes,
 * replay caches, rate-limit counters, revocation events). Every operation touches
 * one key, so a Redis Cluster needs no cross-slot work. `ns` is a namespace
 * ("session", "code", ...); values are strings (JSON by convention).
 */
export interface FastStore {
  readonly kind: "memory" | "sqlite" | "redis";
  get(ns: string, key: string): Promise<string | undefined>;
  /** Stores a value with a time to live in seconds (replacing any value). */
  set(ns: string, key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Stores only when absent; true when this call stored it (replay caches, single-flight guards). */
  setIfAbsent(ns: string, key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Atomically reads and deletes: of concurrent consumers, exactly one gets the value. */
  consume(ns: string, key: string): Promise<string | undefined>;
  delete(ns: string, key: string): Promise<boolean>;
  /** Atomic counter; the TTL is set when the counter is created. Returns the new count. */
  increment(ns: string, key: string, ttlSeconds: number): Promise<number>;
  /** A set of members per key (e.g. session ids of a user); the TTL is extended to at least ttlSeconds. */
  addToSet(ns: string, key: string, member: string, ttlSeconds: number): Promise<void>;
  removeFromSet(ns: string, key: string, member: string): Promise<void>;
  setMembers(ns: string, key: string): Promise<string[]>;
  /** Appends a revocation event and notifies subscribers; returns its cursor id. */
  appendEvent(event: string, ttlSeconds: number): Promise<string>;
  /** Events (still within their TTL) after the cursor, oldest first; all when no cursor. */
  eventsSince(cursor: string | undefined, limit: number): Promise<{ id: string; event: string }[]>;
  /** Called for every event appended by any process sharing the store. Returns an unsubscribe function. */
  onEvent(listener: (id: string, event: string) => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
