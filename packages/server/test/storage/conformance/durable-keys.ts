import { beforeEach, describe, expect, it } from "vitest";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { key, T } from "./records.js";

/** Signing keys: states, the one-active/one-next rule and racing rotations. */
export function keysConformance(store: () => DurableStore): void {
  describe("signing keys", () => {
    beforeEach(async () => {
      for (const k of await store().keys.list()) await store().keys.remove(k.kid);
    });

    it("inserts, lists in creation order and removes", async () => {
      const retired = key("retired", { createdAt: T });
      const active = key("active", { createdAt: T + 1 });
      const next = key("next", { createdAt: T + 2 });
      for (const k of [next, retired, active]) await store().keys.insert(k);
      expect(await store().keys.list()).toEqual([retired, active, next]);
      await store().keys.remove(retired.kid);
      expect((await store().keys.list()).map((k) => k.kid)).toEqual([active.kid, next.kid]);
    });

    it("allows at most one active and one next key, any number retired", async () => {
      await store().keys.insert(key("active"));
      await expect(store().keys.insert(key("active"))).rejects.toThrow();
      await store().keys.insert(key("next"));
      await expect(store().keys.insert(key("next"))).rejects.toThrow();
      await store().keys.insert(key("retired"));
      await store().keys.insert(key("retired"));
      expect((await store().keys.list()).map((k) => k.state).sort()).toEqual([
        "active",
        "next",
        "retired",
        "retired",
      ]);
    });

    it("applies a rotation as one transaction, stamping the times", async () => {
      const active = key("active");
      const next = key("next");
      await store().keys.insert(active);
      await store().keys.insert(next);
      const fresh = key("next", { createdAt: T + 10 });
      const ok = await store().keys.transition(
        [
          { kid: active.kid, from: "active", to: "retired", at: T + 10 },
          { kid: next.kid, from: "next", to: "active", at: T + 10 },
        ],
        fresh,
      );
      expect(ok).toBe(true);
      const byKid = new Map((await store().keys.list()).map((k) => [k.kid, k]));
      expect(byKid.get(active.kid)).toMatchObject({ state: "retired", retiredAt: T + 10 });
      expect(byKid.get(next.kid)).toMatchObject({ state: "active", activatedAt: T + 10 });
      expect(byKid.get(fresh.kid)).toEqual(fresh);
    });

    it("changes nothing when a key is no longer in the expected state", async () => {
      const active = key("active");
      const next = key("next");
      await store().keys.insert(active);
      await store().keys.insert(next);
      const before = await store().keys.list();
      const ok = await store().keys.transition(
        [
          { kid: active.kid, from: "active", to: "retired", at: T + 10 },
          { kid: next.kid, from: "retired", to: "active", at: T + 10 },
        ],
        key("next"),
      );
      expect(ok).toBe(false);
      expect(await store().keys.list()).toEqual(before);
    });

    it("lets exactly one of two concurrent rotations from the same state win", async () => {
      const active = key("active");
      const next = key("next");
      await store().keys.insert(active);
      await store().keys.insert(next);
      const rotate = () =>
        store().keys.transition(
          [
            { kid: active.kid, from: "active", to: "retired", at: T + 10 },
            { kid: next.kid, from: "next", to: "active", at: T + 10 },
          ],
          key("next", { createdAt: T + 10 }),
        );
      const results = await Promise.all([rotate(), rotate()]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const states = (await store().keys.list()).map((k) => k.state).sort();
      expect(states).toEqual(["active", "next", "retired"]);
    });
  });
}
