import { describe, expect, it } from "vitest";
import type { FastStore } from "../../../src/storage/fast/types.js";
import { uid } from "./records.js";
import { sleep } from "./wait.js";

const NS = "conformance";

/** Values, TTLs, single-use consume, counters and sets. */
export function valuesConformance(store: () => FastStore, peer: () => FastStore): void {
  describe("values", () => {
    it("sets, reads, replaces and deletes", async () => {
      const k = uid("k");
      expect(await store().get(NS, k)).toBeUndefined();
      await store().set(NS, k, '{"a":1}', 60);
      expect(await store().get(NS, k)).toBe('{"a":1}');
      expect(await peer().get(NS, k)).toBe('{"a":1}');
      expect(await store().get("other-ns", k)).toBeUndefined();
      await store().set(NS, k, "two", 60);
      expect(await store().get(NS, k)).toBe("two");
      expect(await store().delete(NS, k)).toBe(true);
      expect(await store().delete(NS, k)).toBe(false);
      expect(await store().get(NS, k)).toBeUndefined();
    });

    it("stores only when absent, and exactly one of 20 racing callers wins", async () => {
      const k = uid("k");
      expect(await store().setIfAbsent(NS, k, "first", 60)).toBe(true);
      expect(await store().setIfAbsent(NS, k, "second", 60)).toBe(false);
      expect(await store().get(NS, k)).toBe("first");
      const race = uid("k");
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? peer() : store()).setIfAbsent(NS, race, `v${i}`, 60)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store().get(NS, race)).toBe(`v${results.indexOf(true)}`);
    });

    it("consumes once: of 20 concurrent consumers exactly one gets the value", async () => {
      const k = uid("k");
      await store().set(NS, k, "code", 60);
      expect(await store().consume(NS, k)).toBe("code");
      expect(await store().consume(NS, k)).toBeUndefined();
      const race = uid("k");
      await store().set(NS, race, "single-use", 60);
      const got = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? peer() : store()).consume(NS, race)),
      );
      expect(got.filter((v) => v !== undefined)).toEqual(["single-use"]);
      expect(await store().get(NS, race)).toBeUndefined();
    });

    it("counts atomically: N concurrent increments give 1..N", async () => {
      const k = uid("k");
      expect(await store().increment(NS, k, 60)).toBe(1);
      expect(await store().increment(NS, k, 60)).toBe(2);
      const race = uid("k");
      const counts = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? peer() : store()).increment(NS, race, 60)),
      );
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    it("keeps sets of members apart from values", async () => {
      const k = uid("k");
      expect(await store().setMembers(NS, k)).toEqual([]);
      await store().addToSet(NS, k, "s1", 60);
      await store().addToSet(NS, k, "s2", 60);
      await peer().addToSet(NS, k, "s1", 60);
      expect((await store().setMembers(NS, k)).sort()).toEqual(["s1", "s2"]);
      await store().removeFromSet(NS, k, "s1");
      await store().removeFromSet(NS, k, "absent");
      expect(await peer().setMembers(NS, k)).toEqual(["s2"]);
      expect(await store().get(NS, k)).toBeUndefined();
      await store().set(NS, k, "value", 60);
      expect(await store().setMembers(NS, k)).toEqual(["s2"]);
    });

    it("expires values, counters and sets after their TTL; later writes never shorten a set's TTL", async () => {
      const [short, replaced, once, counter, stays] = [uid("k"), uid("k"), uid("k"), uid("k"), uid("k")];
      const [setShort, setExtended, setKept] = [uid("s"), uid("s"), uid("s")];
      await store().set(NS, short, "v", 1);
      await store().set(NS, replaced, "v", 1);
      await store().set(NS, replaced, "v2", 30);
      await store().setIfAbsent(NS, once, "v", 1);
      await store().increment(NS, counter, 1);
      // The TTL is fixed when the counter is created: a longer one later does not extend it.
      expect(await store().increment(NS, counter, 30)).toBe(2);
      await store().set(NS, stays, "v", 30);
      await store().addToSet(NS, setShort, "m", 1);
      await store().addToSet(NS, setExtended, "a", 1);
      await store().addToSet(NS, setExtended, "b", 30);
      await store().addToSet(NS, setKept, "a", 30);
      await store().addToSet(NS, setKept, "b", 1);
      expect(await store().get(NS, short)).toBe("v");
      expect(await store().setMembers(NS, setShort)).toEqual(["m"]);

      await sleep(1300);

      expect(await store().get(NS, short)).toBeUndefined();
      expect(await peer().get(NS, short)).toBeUndefined();
      expect(await store().consume(NS, short)).toBeUndefined();
      expect(await store().delete(NS, short)).toBe(false);
      expect(await store().get(NS, replaced)).toBe("v2");
      expect(await store().setIfAbsent(NS, once, "again", 30)).toBe(true);
      expect(await store().get(NS, once)).toBe("again");
      expect(await store().increment(NS, counter, 30)).toBe(1);
      expect(await store().get(NS, stays)).toBe("v");
      expect(await store().setMembers(NS, setShort)).toEqual([]);
      await store().addToSet(NS, setShort, "fresh", 30);
      expect(await store().setMembers(NS, setShort)).toEqual(["fresh"]);
      expect((await store().setMembers(NS, setExtended)).sort()).toEqual(["a", "b"]);
      expect((await store().setMembers(NS, setKept)).sort()).toEqual(["a", "b"]);
    });
  });
}
