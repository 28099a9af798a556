import type { DpopReplayCache } from "./replay-cache.js";

/** The part of an ioredis client the replay cache uses (so ioredis stays an optional peer dependency). */
export interface RedisSetClientLike {
  set(key: string, value: string, px: "PX", milliseconds: number, nx: "NX"): Promise<string | null>;
  on(event: "error", listener: (err: unknown) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options of {@link redisDpopReplayCache}. */
export interface RedisDpopReplayCacheOptions {
  /** An ioredis client (not closed by the cache) or a Redis URL (the cache connects and disconnects). */
  redis: RedisSetClientLike | string;
  /** Key prefix `P`: a proof is recorded as `P` + `guard:dpop:<jkt>:<jti>`. Default `"frontdesk:"`. */
  prefix?: string;
  /** Milliseconds a `SET` may take before the proof is refused (503). Default 1000. */
  timeout?: number;
  /** Called with connection errors of a connection the cache owns. */
  onError?: (err: unknown) => void;
}

/**
 * A {@link DpopReplayCache} in Redis, shared by every instance of a service: each proof is recorded with
 * `SET P guard:dpop:<jkt>:<jti> 1 NX PX <ttl>`, atomic, so of two instances that see the same proof at
 * once exactly one accepts it. Fail closed: an error or a timeout refuses the proof (503). ioredis is
 * imported only when `redis` is a URL.
 *
 * @example
 * ```ts
 * const replayCache = redisDpopReplayCache({ redis: process.env.REDIS_URL, prefix: "orders-api:" });
 * const verifier = createVerifier({ issuer, audience, publicUrl: "https://api.example.com", dpop: { replayCache } });
 * ```
 */
export function redisDpopReplayCache(options: RedisDpopReplayCacheOptions): DpopReplayCache {
  const prefix = options.prefix ?? "frontdesk:";
  const timeout = options.timeout ?? 1000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError("timeout must be a positive number");
  const owned = typeof options.redis === "string";
  let client: Promise<RedisSetClientLike> | undefined;
  const redis = () => {
    client ??=
      typeof options.redis === "string"
        ? connect(options.redis, timeout, options.onError)
        : Promise.resolve(options.redis);
    return client;
  };

  return {
    async markUsed(jkt, jti, ttl) {
      const key = `${prefix}guard:dpop:${jkt}:${jti}`;
      const milliseconds = Math.max(1, Math.ceil(ttl));
      const answer = await withTimeout(
        redis().then((r) => r.set(key, "1", "PX", milliseconds, "NX")),
        timeout,
      );
      return answer === "OK";
    },
    async close() {
      if (!owned || client === undefined) return;
      const r = await client.catch(() => undefined);
      await r?.quit().catch(() => r.disconnect());
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function connect(
  url: string,
  timeout: number,
  onError?: (err: unknown) => void,
): Promise<RedisSetClientLike> {
  const { Redis } = await import("ioredis");
  // Fail fast while Redis is away: no retried commands, none re-sent after a reconnect.
  const client = new Redis(url, {
    maxRetriesPerRequest: 0,
    commandTimeout: timeout,
    autoResendUnfulfilledCommands: false,
  });
  client.on("error", (err: unknown) => onError?.(err));
  return client as unknown as RedisSetClientLike;
}
