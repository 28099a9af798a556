import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServerConfig as loadConfig } from "../../src/main/config.js";
import { openFastStore } from "../../src/main/stores.js";
import { redisFastStore } from "../../src/storage/fast/redis.js";
import { isStoreUnavailable } from "../../src/storage/unavailable.js";
import { freePort, tempDir } from "../helpers/server.js";
import { until } from "./conformance/wait.js";
import { spareRedis, type TestRedis } from "./helpers/redis-server.js";

/** Rejects within `ms`, with an error the HTTP layer turns into 503. */
async function failsFast(op: Promise<unknown>, ms = 2000): Promise<void> {
  const started = Date.now();
  const error = await op.then(
    () => new Error("expected the call to fail"),
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(ms);
  expect(isStoreUnavailable(error), String(error)).toBe(true);
}

describe("Redis fast store when Redis is unreachable", () => {
  it("fails every call fast when nothing listens", async () => {
    const store = redisFastStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: "faults:" });
    try {
      await failsFast(store.get("ns", "k"));
      await failsFast(store.set("ns", "k", "v", 10));
      await failsFast(store.consume("ns", "k"));
      await failsFast(store.increment("ns", "k", 10));
      await failsFast(store.addToSet("ns", "k", "m", 10));
      await failsFast(store.appendEvent("{}", 10));
      await failsFast(store.eventsSince(undefined, 10));
      await failsFast(store.ping());
    } finally {
      await store.close();
    }
  });

  it("refuses to start the server's fast store against an absent Redis, naming the setting", async () => {
    const config = loadConfig({
      env: {},
      flags: { dataDir: tempDir(), redisUrl: `redis://127.0.0.1:${await freePort()}` },
    });
    await expect(openFastStore(config)).rejects.toThrow(/redisUrl: Redis did not answer/);
  });

  describe("a Redis that goes away and comes back", () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await spareRedis();
      redis.start();
    });
    afterAll(() => redis.stop());

    it("fails fast while it is down and recovers without recreating the store", async () => {
      const store = redisFastStore({ url: redis.url, prefix: "faults:" });
      const peer = redisFastStore({ url: redis.url, prefix: "faults:" });
      const heard: string[] = [];
      const stop = peer.onEvent((_, e) => heard.push(e));
      try {
        await store.set("ns", "k", "before", 60);
        expect(await store.get("ns", "k")).toBe("before");
        await store.appendEvent('{"n":1}', 60);
        await until(() => expect(heard).toContain('{"n":1}'));

        redis.stop();
        await failsFast(store.get("ns", "k"));
        await failsFast(store.set("ns", "k", "during", 60));
        await failsFast(store.consume("ns", "k"));
        await failsFast(store.appendEvent('{"n":2}', 60));
        await failsFast(store.ping());

        redis.start();
        // Reconnection is in the background; the same store object works again.
        // Deadlines, not timing assertions: a loaded machine reconnects later.
        await until(() => store.ping(), 15_000);
        await store.set("ns", "k", "after", 60);
        expect(await store.consume("ns", "k")).toBe("after");
        await store.appendEvent('{"n":3}', 60);
        await until(() => expect(heard).toEqual(['{"n":1}', '{"n":3}']), 15_000);
      } finally {
        stop();
        await peer.close();
        await store.close();
      }
    });
  });
});
