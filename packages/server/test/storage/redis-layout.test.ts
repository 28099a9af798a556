import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisFastStore } from "../../src/storage/fast/redis.js";
import type { FastStore } from "../../src/storage/fast/types.js";
import { until } from "./conformance/wait.js";
import { deletePrefix, REDIS_URL, testPrefix } from "./helpers/redis.js";

/** What other processes rely on: key names, hash tags, native TTLs and the revocation-feed contract. */
describe("Redis fast store: key layout and feed contract", () => {
  const prefix = testPrefix();
  let store: FastStore;
  let raw: Redis;
  beforeAll(() => {
    store = redisFastStore({ url: REDIS_URL, prefix });
    raw = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await store.close();
    raw.disconnect();
    expect(await deletePrefix(prefix)).toBeGreaterThanOrEqual(0);
  });

  it("keeps values and sets under P{ns:key} with native TTLs", async () => {
    await store.set("session", "abc", "v", 60);
    await store.increment("rate", "ip", 30);
    await store.addToSet("user-sessions", "u1", "s1", 45);
    expect(await raw.get(`${prefix}{session:abc}`)).toBe("v");
    expect(await raw.get(`${prefix}{rate:ip}`)).toBe("1");
    expect(await raw.smembers(`${prefix}{user-sessions:u1}:set`)).toEqual(["s1"]);
    for (const [key, ttl] of [
      [`${prefix}{session:abc}`, 60_000],
      [`${prefix}{rate:ip}`, 30_000],
      [`${prefix}{user-sessions:u1}:set`, 45_000],
    ] as const) {
      const pttl = await raw.pttl(key);
      expect(pttl).toBeGreaterThan(ttl - 5_000);
      expect(pttl).toBeLessThanOrEqual(ttl);
    }
    const keys = await raw.keys(`${prefix}*`);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}\\{[^{}]+\\}(:set|:stream)?$`));
  });

  it("refuses a prefix that would move the hash tag", () => {
    expect(() => redisFastStore({ url: REDIS_URL, prefix: "app{1}:" })).toThrow(/redisPrefix/);
  });

  it("appends each event to P{rev}:stream (field event) and publishes its JSON on P{rev}:events", async () => {
    const subscriber = new Redis(REDIS_URL);
    const heard: string[] = [];
    subscriber.on("message", (channel, message) => {
      if (channel === `${prefix}{rev}:events`) heard.push(message);
    });
    await subscriber.subscribe(`${prefix}{rev}:events`);
    try {
      const text = JSON.stringify({
        type: "sid",
        value: "s-1",
        expires_at: Math.floor(Date.now() / 1000) + 60,
      });
      const id = await store.appendEvent(text, 60);
      expect(id).toMatch(/^\d+-\d+$/);
      expect(await raw.xrange(`${prefix}{rev}:stream`, id, id)).toEqual([[id, ["event", text]]]);
      await until(() => expect(heard).toEqual([text]));
    } finally {
      subscriber.disconnect();
    }
  });

  it("judges an event's expiry by its own expires_at, and reads a foreign or bad cursor from the start", async () => {
    const past = JSON.stringify({ type: "jti", value: "old", expires_at: Math.floor(Date.now() / 1000) - 1 });
    const live = JSON.stringify({
      type: "jti",
      value: "new",
      expires_at: Math.floor(Date.now() / 1000) + 60,
    });
    await store.appendEvent(past, 3600);
    await store.appendEvent(live, 60);
    const all = (await store.eventsSince(undefined, 1000)).map((e) => e.event);
    expect(all).toContain(live);
    expect(all).not.toContain(past);
    expect((await store.eventsSince("not-a-cursor", 1000)).map((e) => e.event)).toEqual(all);
  });
});
