import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryOutcome } from "../../../src/features/backchannel-logout/delivery.js";
import { backchannelLogoutFeature } from "../../../src/features/backchannel-logout/feature.js";
import { LogoutOutbox, type OutboxEntry } from "../../../src/features/backchannel-logout/outbox.js";
import {
  type DeliveryTiming,
  LogoutDeliveryWorker,
  retryDelay,
} from "../../../src/features/backchannel-logout/worker.js";
import type { ExtraMigrations } from "../../../src/storage/durable/migrations/index.js";
import { openPostgresStore } from "../../../src/storage/durable/postgres.js";
import { openSqliteStore } from "../../../src/storage/durable/sqlite.js";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { createTestDatabase } from "../../storage/helpers/postgres.js";

const TIMING: DeliveryTiming = {
  pollIntervalMs: 1000,
  leaseMs: 10_000,
  retryBaseMs: 1000,
  retryMaxMs: 8000,
  maxAttempts: 5,
  maxAgeMs: 3_600_000,
  batchSize: 10,
};
const migrations = backchannelLogoutFeature.migrations as ExtraMigrations;
const silent = { info() {}, warn() {} };

/** A clock tests move by hand, and a receiver whose answers they script. */
function harness(durable: DurableStore, answers: DeliveryOutcome["result"][] = []) {
  const clock = { t: 1_000_000 };
  const outbox = new LogoutOutbox(durable);
  const attempts: OutboxEntry[] = [];
  const warnings: Record<string, unknown>[] = [];
  const worker = (
    deliver = async (entry: OutboxEntry): Promise<DeliveryOutcome> => {
      attempts.push(entry);
      const result = answers.shift() ?? "delivered";
      return result === "failed"
        ? { result, error: "answered 500" }
        : result === "dropped"
          ? { result, reason: "gone" }
          : { result };
    },
  ) =>
    new LogoutDeliveryWorker({
      outbox,
      deliver,
      logger: { ...silent, warn: (fields: Record<string, unknown>) => warnings.push(fields) } as never,
      timing: TIMING,
      now: () => clock.t,
    });
  return { clock, outbox, attempts, warnings, worker };
}

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`the logout outbox and its worker (${backend}, injected clock)`, () => {
    let durable: DurableStore;
    let drop = async () => {};
    beforeAll(async () => {
      if (backend === "sqlite") durable = await openSqliteStore(":memory:", migrations);
      else {
        const db = await createTestDatabase();
        drop = () => db.drop();
        durable = await openPostgresStore({ url: db.url(), poolSize: 2, migrations });
      }
    });
    afterAll(async () => {
      await durable.close();
      await drop();
    });

    it("backs off exponentially on failures, then delivers and removes the entry", async () => {
      const h = harness(durable, ["failed", "failed", "delivered"]);
      await h.outbox.enqueue([{ clientId: "c1", sid: "s1", sub: "u1" }], h.clock.t);
      const worker = h.worker();
      expect(await worker.runOnce()).toBe(1);
      const [afterFirst] = await h.outbox.list();
      expect(afterFirst?.dueAt).toBe(h.clock.t + retryDelay(TIMING, 1));
      expect(afterFirst?.lastError).toBe("answered 500");
      h.clock.t += 999;
      expect(await worker.runOnce()).toBe(0);
      h.clock.t += 1;
      expect(await worker.runOnce()).toBe(1);
      expect((await h.outbox.list())[0]?.dueAt).toBe(h.clock.t + 2000);
      h.clock.t += 2000;
      expect(await worker.runOnce()).toBe(1);
      expect(await h.outbox.list()).toEqual([]);
      expect(h.attempts.map((a) => a.attempts)).toEqual([1, 2, 3]);
      expect(new Set(h.attempts.map((a) => a.jti)).size).toBe(1);
    });

    it("two instances never hold the same entry; a claim whose instance died is retried after the lease", async () => {
      const h = harness(durable);
      await h.outbox.enqueue(
        [
          { clientId: "c1", sid: "s2", sub: "u1" },
          { clientId: "c2", sid: "s2", sub: "u1" },
        ],
        h.clock.t,
      );
      // Instance A claims both and dies before answering (no release).
      const claimedByA = await h.outbox.claimDue("instance-a", h.clock.t, TIMING.leaseMs, 10);
      expect(claimedByA).toHaveLength(2);
      const b = h.worker();
      expect(await b.runOnce()).toBe(0);
      h.clock.t += TIMING.leaseMs - 1;
      expect(await b.runOnce()).toBe(0);
      h.clock.t += 1;
      expect(await b.runOnce()).toBe(2);
      expect(await h.outbox.list()).toEqual([]);
      // A's late answer changes nothing: the entries are no longer its own.
      await h.outbox.retryAt(claimedByA[0]?.id as string, "instance-a", h.clock.t, "late");
      expect(await h.outbox.list()).toEqual([]);
    });

    it("concurrent claims split the due entries between instances", async () => {
      const h = harness(durable);
      await h.outbox.enqueue(
        Array.from({ length: 6 }, (_, i) => ({ clientId: `c${i}`, sid: "s3", sub: "u1" })),
        h.clock.t,
      );
      const [a, b] = await Promise.all([
        h.outbox.claimDue("a", h.clock.t, TIMING.leaseMs, 10),
        h.outbox.claimDue("b", h.clock.t, TIMING.leaseMs, 10),
      ]);
      const ids = [...(a ?? []), ...(b ?? [])].map((e) => e.id);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      for (const e of a ?? []) await h.outbox.remove(e.id, "a");
      for (const e of b ?? []) await h.outbox.remove(e.id, "b");
    });

    it("gives up after maxAttempts, and once the entry is older than maxAgeMs, with a warning", async () => {
      const h = harness(durable, Array(10).fill("failed"));
      await h.outbox.enqueue([{ clientId: "c1", sid: "s4", sub: "u1" }], h.clock.t);
      const worker = h.worker();
      for (let i = 0; i < TIMING.maxAttempts; i++) {
        expect(await worker.runOnce()).toBe(1);
        h.clock.t += TIMING.retryMaxMs;
      }
      expect(await h.outbox.list()).toEqual([]);
      expect(h.warnings.at(-1)).toMatchObject({ action: "backchannel_logout.gave_up", attempts: 5 });

      await h.outbox.enqueue([{ clientId: "c1", sid: "s5", sub: "u1" }], h.clock.t);
      expect(await worker.runOnce()).toBe(1);
      h.clock.t += TIMING.maxAgeMs;
      expect(await worker.runOnce()).toBe(1);
      expect(await h.outbox.list()).toEqual([]);
      expect(h.warnings.at(-1)).toMatchObject({ action: "backchannel_logout.gave_up", attempts: 2 });
    });

    it("drops an entry whose client is gone, without retrying", async () => {
      const h = harness(durable, ["dropped"]);
      await h.outbox.enqueue([{ clientId: "gone", sid: "s6", sub: "u1" }], h.clock.t);
      expect(await h.worker().runOnce()).toBe(1);
      expect(await h.outbox.list()).toEqual([]);
      expect(h.attempts).toHaveLength(1);
    });
  });
}
