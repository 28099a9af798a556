import { describe, expect, it } from "vitest";
import type { FastStore } from "../../../src/storage/fast/types.js";
import { uid } from "./records.js";
import { sleep, until } from "./wait.js";

/** A revocation event as the server writes it: JSON with its own expiry (docs/revocation-feed.md). */
function event(ttlSeconds: number): { text: string; ttl: number; expiresAt: number } {
  const expiresAt = Math.ceil(Date.now() / 1000) + ttlSeconds;
  const text = JSON.stringify({ type: "jti", value: uid("jti"), expires_at: expiresAt });
  return { text, ttl: expiresAt - Date.now() / 1000, expiresAt };
}

async function lastCursor(store: FastStore): Promise<string | undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await store.eventsSince(cursor, 1000);
    if (!page.length) return cursor;
    cursor = page.at(-1)?.id;
  }
}

/** Revocation events: append, read from a cursor, expiry, delivery to every instance. */
export function eventsConformance(store: () => FastStore, peer: () => FastStore): void {
  describe("events", () => {
    it("appends with increasing cursors and reads after a cursor, oldest first, up to a limit", async () => {
      const start = await lastCursor(store());
      const events = [event(60), event(60), event(60), event(60)];
      const ids: string[] = [];
      for (const e of events) ids.push(await (ids.length % 2 ? peer() : store()).appendEvent(e.text, e.ttl));
      expect(new Set(ids).size).toBe(4);
      const all = await store().eventsSince(start, 100);
      expect(all).toEqual(ids.map((id, i) => ({ id, event: events[i]?.text })));
      expect(await peer().eventsSince(start, 2)).toEqual(all.slice(0, 2));
      expect(await store().eventsSince(ids[1], 100)).toEqual(all.slice(2));
      expect(await store().eventsSince(ids[3], 100)).toEqual([]);
      const snapshot = await store().eventsSince(undefined, 100_000);
      expect(snapshot.slice(-4)).toEqual(all);
    });

    it("leaves out events past their expiry, without counting them against the limit", async () => {
      const start = await lastCursor(store());
      const first = event(60);
      const short = event(1);
      const last = event(60);
      const firstId = await store().appendEvent(first.text, first.ttl);
      await store().appendEvent(short.text, short.ttl);
      const lastId = await store().appendEvent(last.text, last.ttl);
      expect((await store().eventsSince(start, 10)).map((e) => e.event)).toEqual([
        first.text,
        short.text,
        last.text,
      ]);
      await sleep(short.expiresAt * 1000 - Date.now() + 100);
      expect(await store().eventsSince(start, 10)).toEqual([
        { id: firstId, event: first.text },
        { id: lastId, event: last.text },
      ]);
      expect(await store().eventsSince(firstId, 1)).toEqual([{ id: lastId, event: last.text }]);
      expect((await store().eventsSince(undefined, 100_000)).map((e) => e.event)).not.toContain(short.text);
    });

    it("delivers every appended event to listeners of this and of another instance", async () => {
      const a = event(60);
      const b = event(60);
      const ours = new Set([a.text, b.text]);
      const here: [string, string][] = [];
      const there: [string, string][] = [];
      // Hearing an event from just before subscribing is allowed; missing one is not.
      const stopHere = store().onEvent((id, e) => ours.has(e) && here.push([id, e]));
      const stopThere = peer().onEvent((id, e) => ours.has(e) && there.push([id, e]));
      try {
        // Appended right after subscribing: nothing may fall between the two.
        const idA = await store().appendEvent(a.text, a.ttl);
        const idB = await peer().appendEvent(b.text, b.ttl);
        const expected: [string, string][] = [
          [idA, a.text],
          [idB, b.text],
        ];
        await until(() => {
          expect(here).toEqual(expected);
          expect(there).toEqual(expected);
        });
      } finally {
        stopHere();
        stopThere();
      }
    });

    it("stops delivering after unsubscribe", async () => {
      const a = event(60);
      const b = event(60);
      const ours = new Set([a.text, b.text]);
      const heard: string[] = [];
      const kept: string[] = [];
      const stop = peer().onEvent((_, e) => ours.has(e) && heard.push(e));
      const stopKept = peer().onEvent((_, e) => ours.has(e) && kept.push(e));
      await store().appendEvent(a.text, a.ttl);
      await until(() => expect(heard).toEqual([a.text]));
      stop();
      await store().appendEvent(b.text, b.ttl);
      await until(() => expect(kept).toEqual([a.text, b.text]));
      await sleep(300);
      expect(heard).toEqual([a.text]);
      stopKept();
    });
  });
}
