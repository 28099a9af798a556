import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastStore } from "../../src/storage/fast/types.js";
import { eventsConformance } from "./conformance/fast-events.js";
import { valuesConformance } from "./conformance/fast-values.js";

export interface FastStoreUnderTest {
  /** A store on an empty back end (or an unused key space of a shared one). */
  open(): Promise<FastStore>;
  /** A second instance sharing the first one's back end (another process, in production). */
  openPeer(first: FastStore): Promise<FastStore>;
  cleanup?(): Promise<void>;
}

/**
 * The contract every fast store must keep (storage/fast/types.ts), written once and
 * run against each back end: values, TTLs, atomic consume, counters, sets, events.
 */
export function fastStoreConformance(name: string, target: FastStoreUnderTest): void {
  describe(`fast store conformance: ${name}`, () => {
    let store: FastStore | undefined;
    let peer: FastStore | undefined;
    const get = (): FastStore => {
      if (!store) throw new Error("store not open");
      return store;
    };
    const getPeer = (): FastStore => {
      if (!peer) throw new Error("peer not open");
      return peer;
    };
    beforeAll(async () => {
      store = await target.open();
      peer = await target.openPeer(store);
    });
    afterAll(async () => {
      if (peer && peer !== store) await peer.close();
      await store?.close();
      await target.cleanup?.();
    });

    it("answers ping and names its kind", async () => {
      await expect(get().ping()).resolves.toBeUndefined();
      expect(get().kind).toBe(name);
    });

    valuesConformance(get, getPeer);
    eventsConformance(get, getPeer);
  });
}
