import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { directoryConformance } from "./conformance/durable-directory.js";
import { keysConformance } from "./conformance/durable-keys.js";
import { mailConformance } from "./conformance/durable-mail.js";
import { refreshConformance } from "./conformance/durable-refresh.js";

/**
 * The contract every durable store must keep (storage/durable/types.ts), written
 * once and run against each back end. `open` gives a migrated store on an empty
 * database; `cleanup` removes that database afterwards.
 */
export function durableStoreConformance(
  name: string,
  open: () => Promise<DurableStore>,
  cleanup: () => Promise<void> = async () => {},
): void {
  describe(`durable store conformance: ${name}`, () => {
    let store: DurableStore | undefined;
    const get = (): DurableStore => {
      if (!store) throw new Error("store not open");
      return store;
    };
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
      await cleanup();
    });

    it("answers ping", async () => {
      await expect(get().ping()).resolves.toBeUndefined();
    });

    directoryConformance(get);
    keysConformance(get);
    refreshConformance(get);
    mailConformance(get);
  });
}
