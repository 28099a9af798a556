import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DpopReplayCacheFullError,
  MemoryDpopReplayCache,
  type RedisSetClientLike,
  redisDpopReplayCache,
} from "../src/index.js";
import { redisTestPrefix } from "./helpers.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

describe("MemoryDpopReplayCache", () => {
  it("accepts a jti once per key, and again once its window is over", async () => {
    const c = clock();
    const cache = new MemoryDpopReplayCache({ now: c.now });
    expect(await cache.markUsed(JKT, "a", 65_000)).toBe(true);
    expect(await cache.markUsed(JKT, "a", 65_000)).toBe(false);
    expect(await cache.markUsed("other-key", "a", 65_000)).toBe(true); // keyed by jkt + jti
    c.advance(64_999);
    expect(await cache.markUsed(JKT, "a", 65_000)).toBe(false);
    c.advance(1);
    expect(cache.size).toBe(0);
    expect(await cache.markUsed(JKT, "a", 65_000)).toBe(true);
  });

  it("when full of live proofs, refuses new ones instead of forgetting one (which would allow its replay)", async () => {
    const c = clock();
    const cache = new MemoryDpopReplayCache({ maxEntries: 3, now: c.now });
    for (const jti of ["1", "2", "3"]) expect(await cache.markUsed(JKT, jti, 60_000)).toBe(true);
    await expect(cache.markUsed(JKT, "4", 60_000)).rejects.toBeInstanceOf(DpopReplayCacheFullError);
    // Nothing was evicted: the oldest proof is still known as used.
    expect(await cache.markUsed(JKT, "1", 60_000)).toBe(false);
    expect(cache.size).toBe(3);
    c.advance(60_000); // every window over: room again
    expect(await cache.markUsed(JKT, "4", 60_000)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it("never lets an entry expire before an older one (a shorter ttl is held as long as the one before)", async () => {
    const c = clock();
    const cache = new MemoryDpopReplayCache({ now: c.now });
    await cache.markUsed(JKT, "long", 60_000);
    await cache.markUsed(JKT, "short", 1_000);
    c.advance(30_000);
    expect(await cache.markUsed(JKT, "short", 1_000)).toBe(false);
    c.advance(30_000);
    expect(cache.size).toBe(0);
  });

  it("validates its size", () => {
    expect(() => new MemoryDpopReplayCache({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryDpopReplayCache({ maxEntries: 1.5 })).toThrow(TypeError);
  });
});

describe("redisDpopReplayCache (real Redis)", () => {
  const prefix = redisTestPrefix("guard-dpop-cache");
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    expect(await admin.ping()).toBe("PONG");
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    await admin.quit();
  });

  it("records each proof with SET NX PX under the prefix, once", async () => {
    const cache = redisDpopReplayCache({ redis: REDIS_URL, prefix });
    try {
      expect(await cache.markUsed(JKT, "j-1", 7_000)).toBe(true);
      expect(await cache.markUsed(JKT, "j-1", 7_000)).toBe(false);
      expect(await cache.markUsed("other-key", "j-1", 7_000)).toBe(true);
      const key = `${prefix}guard:dpop:${JKT}:j-1`;
      expect(await admin.get(key)).toBe("1");
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(5_000);
      expect(ttl).toBeLessThanOrEqual(7_000);
    } finally {
      await cache.close?.();
    }
  });

  it("lets exactly one of many concurrent uses through, across separate connections", async () => {
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    try {
      const caches = clients.map((redis) =>
        redisDpopReplayCache({ redis: redis as unknown as RedisSetClientLike, prefix }),
      );
      for (let round = 0; round < 5; round++) {
        const jti = `race-${round}`;
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (caches[i % 2] as (typeof caches)[0]).markUsed(JKT, jti, 60_000),
          ),
        );
        expect(answers.filter(Boolean)).toHaveLength(1);
      }
      for (const cache of caches) await cache.close?.(); // given clients are not closed by the cache
      expect(clients.map((c) => c.status)).toEqual(["ready", "ready"]);
    } finally {
      for (const c of clients) await c.quit();
    }
  });

  it("fails closed, within its timeout, when Redis does not answer", async () => {
    const errors: unknown[] = [];
    const cache = redisDpopReplayCache({
      redis: "redis://127.0.0.1:1",
      prefix,
      timeout: 300,
      onError: (e) => errors.push(e),
    });
    const started = Date.now();
    await expect(cache.markUsed(JKT, "j-down", 60_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_500);
    await cache.close?.();
  });

  it("refuses a bad timeout at start-up", () => {
    expect(() => redisDpopReplayCache({ redis: REDIS_URL, timeout: 0 })).toThrow(TypeError);
  });
});
