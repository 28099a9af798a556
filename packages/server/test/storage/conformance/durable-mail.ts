import { afterEach, describe, expect, it } from "vitest";
import type { AccountLinkRecord, DurableStore } from "../../../src/storage/durable/types.js";
import { T, uid } from "./records.js";

/** Epoch milliseconds (the outbox's unit), after 2038 like T. */
const MS = T * 1000;
const LEASE = 60_000;

/** The mail outbox (leased claims, retries, failures) and single-use account links. */
export function mailConformance(store: () => DurableStore): void {
  const outbox = () => store().mailOutbox;
  const message = (over: { createdAt?: number } = {}) => ({
    id: uid("mail"),
    kind: "verify-email",
    recipient: `${uid("to")}@example.com`,
    subject: "Confirm your email address",
    body: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..sealed",
    createdAt: over.createdAt ?? MS,
  });
  const mine = (ids: string[]) => async () => (await outbox().list()).filter((m) => ids.includes(m.id));

  describe("mail outbox", () => {
    // Suites share one database: leave nothing claimable behind for the next test.
    afterEach(async () => {
      for (;;) {
        const left = await outbox().claimDue("drain", Number.MAX_SAFE_INTEGER - LEASE, LEASE, 100);
        if (!left.length) break;
        for (const m of left) await outbox().delivered(m.id, "drain");
      }
    });

    it("enqueues a pending message, due at once, and reads every field back", async () => {
      const m = message();
      await outbox().enqueue(m);
      expect(await mine([m.id])()).toEqual([
        { ...m, status: "pending", attempts: 0, dueAt: m.createdAt, claimedBy: null, lastError: null },
      ]);
      await expect(outbox().enqueue(m)).rejects.toThrow();
    });

    it("claims due messages oldest first, up to the limit, holding each for the lease", async () => {
      const early = message({ createdAt: MS + 1 });
      const later = message({ createdAt: MS + 2 });
      const future = message({ createdAt: MS + 10 * LEASE });
      for (const m of [later, future, early]) await outbox().enqueue(m);
      const first = await outbox().claimDue("a", MS + 5, LEASE, 1);
      expect(first.map((m) => m.id)).toEqual([early.id]);
      expect(first[0]).toMatchObject({ attempts: 1, claimedBy: "a", dueAt: MS + 5 + LEASE });
      const second = await outbox().claimDue("b", MS + 5, LEASE, 10);
      expect(second.map((m) => m.id)).toEqual([later.id]);
      // Held: nobody else gets them before the lease ends.
      expect(await outbox().claimDue("c", MS + 6, LEASE, 10)).toEqual([]);
      // A claimer that died: the message is due again when its lease ends, one more attempt.
      const again = await outbox().claimDue("c", MS + 5 + LEASE, LEASE, 10);
      expect(again.map((m) => [m.id, m.claimedBy, m.attempts]).sort()).toEqual(
        [
          [early.id, "c", 2],
          [later.id, "c", 2],
        ].sort(),
      );
      expect(await outbox().delivered(early.id, "a")).toBe(false);
      expect(await outbox().delivered(early.id, "c")).toBe(true);
      expect(await mine([early.id])()).toEqual([]);
    });

    it("gives each message to exactly one of 10 concurrent claimers", async () => {
      const messages = Array.from({ length: 5 }, () => message({ createdAt: MS + 100 }));
      for (const m of messages) await outbox().enqueue(m);
      const owners = Array.from({ length: 10 }, (_, i) => `worker-${i}`);
      const claims = await Promise.all(owners.map((o) => outbox().claimDue(o, MS + 200, LEASE, 10)));
      const won = claims.flat().filter((m) => messages.some((x) => x.id === m.id));
      expect(won.map((m) => m.id).sort()).toEqual(messages.map((m) => m.id).sort());
      expect(won.every((m) => m.attempts === 1)).toBe(true);
    });

    it("retries later: the holder releases it with the error, due again at the time given", async () => {
      const m = message();
      await outbox().enqueue(m);
      await outbox().claimDue("a", MS, LEASE, 10);
      expect(await outbox().retryAt(m.id, "b", MS + 5_000, "not the holder")).toBe(false);
      expect(await outbox().retryAt(m.id, "a", MS + 5_000, `421 try later ${"x".repeat(600)}`)).toBe(true);
      const [stored] = await mine([m.id])();
      expect(stored).toMatchObject({ status: "pending", attempts: 1, dueAt: MS + 5_000, claimedBy: null });
      expect(stored?.lastError?.startsWith("421 try later")).toBe(true);
      expect(stored?.lastError).toHaveLength(500);
      // Released: the old holder can no longer mark it delivered.
      expect(await outbox().delivered(m.id, "a")).toBe(false);
      expect(await outbox().claimDue("a", MS + 4_999, LEASE, 10)).toEqual([]);
      expect((await outbox().claimDue("b", MS + 5_000, LEASE, 10)).map((x) => x.attempts)).toEqual([2]);
    });

    it("keeps a message given up on, marked failed, and never claims it again", async () => {
      const m = message();
      await outbox().enqueue(m);
      await outbox().claimDue("a", MS, LEASE, 10);
      expect(await outbox().markFailed(m.id, "b", "not the holder")).toBe(false);
      expect(await outbox().markFailed(m.id, "a", "550 mailbox unavailable")).toBe(true);
      expect(await outbox().markFailed(m.id, "a", "again")).toBe(false);
      expect((await outbox().list("failed")).find((x) => x.id === m.id)).toMatchObject({
        status: "failed",
        attempts: 1,
        claimedBy: null,
        lastError: "550 mailbox unavailable",
      });
      expect((await outbox().list("pending")).map((x) => x.id)).not.toContain(m.id);
      expect(await outbox().claimDue("b", Number.MAX_SAFE_INTEGER - LEASE, LEASE, 100)).not.toContainEqual(
        expect.objectContaining({ id: m.id }),
      );
      expect(await outbox().delivered(m.id, "a")).toBe(false);
    });

    it("requeues failed messages, one or all, as pending with a fresh count, due at once", async () => {
      const [a, b, pending] = [message(), message(), message()];
      for (const m of [a, b, pending]) await outbox().enqueue(m);
      await outbox().claimDue("a", MS, LEASE, 100);
      await outbox().markFailed(a.id, "a", "550 no");
      await outbox().markFailed(b.id, "a", "550 no");
      expect(await outbox().requeueFailed(MS + 7, a.id)).toBe(1);
      expect(await outbox().requeueFailed(MS + 7, pending.id)).toBe(0);
      const [again] = await mine([a.id])();
      expect(again).toMatchObject({
        status: "pending",
        attempts: 0,
        dueAt: MS + 7,
        claimedBy: null,
        lastError: "550 no",
      });
      expect((await mine([b.id])())[0]?.status).toBe("failed");
      expect(await outbox().requeueFailed(MS + 8)).toBeGreaterThanOrEqual(1);
      expect((await mine([b.id])())[0]).toMatchObject({ status: "pending", dueAt: MS + 8 });
      expect(await outbox().list("failed")).toEqual([]);
    });
  });

  const links = () => store().accountLinks;
  const link = (over: Partial<AccountLinkRecord> = {}): AccountLinkRecord => ({
    purpose: "verify-email",
    userId: uid("user"),
    email: `${uid("to")}@example.com`,
    bindTo: "alice@example.com",
    data: { roles: ["viewer"], note: "x" },
    createdAt: T,
    expiresAt: T + 3600,
    ...over,
  });

  describe("account links", () => {
    it("stores a link by its hash and finds it (every field) while live, for its purpose only", async () => {
      const l = link();
      const hash = uid("hash");
      await links().insert(hash, l);
      expect(await links().find(hash, "verify-email", T + 10)).toEqual(l);
      expect(await links().find(hash, "verify-email", T + 10)).toEqual(l);
      expect(await links().find(hash, "reset-password", T + 10)).toBeUndefined();
      expect(await links().find(hash, "verify-email", T + 3600)).toBeUndefined();
      expect(await links().find(uid("hash"), "verify-email", T)).toBeUndefined();
      const invitation = link({ purpose: "invitation", userId: null, bindTo: null, data: {} });
      const other = uid("hash");
      await links().insert(other, invitation);
      expect(await links().find(other, "invitation", T)).toEqual(invitation);
      await expect(links().insert(hash, link())).rejects.toThrow();
    });

    it("consumes a link once: the second time, and for another purpose, it is gone", async () => {
      const l = link({ purpose: "reset-password" });
      const hash = uid("hash");
      await links().insert(hash, l);
      expect(await links().consume(hash, "verify-email", T + 1)).toBeUndefined();
      expect(await links().consume(hash, "reset-password", T + 1)).toEqual(l);
      expect(await links().consume(hash, "reset-password", T + 1)).toBeUndefined();
      expect(await links().find(hash, "reset-password", T + 1)).toBeUndefined();
    });

    it("gives a link to exactly one of 20 concurrent consumers", async () => {
      const hash = uid("hash");
      await links().insert(hash, link());
      const results = await Promise.all(
        Array.from({ length: 20 }, () => links().consume(hash, "verify-email", T + 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("never hands out an expired link, and deletes expired ones", async () => {
      const hash = uid("hash");
      const live = uid("hash");
      await links().insert(hash, link({ expiresAt: T + 60 }));
      await links().insert(live, link({ expiresAt: T + 61 }));
      expect(await links().consume(hash, "verify-email", T + 60)).toBeUndefined();
      expect(await links().deleteExpired(T + 60)).toBeGreaterThanOrEqual(1);
      expect(await links().find(hash, "verify-email", T)).toBeUndefined();
      expect(await links().find(live, "verify-email", T + 60)).toBeDefined();
    });

    it("deletes every link of one purpose for one user, and nobody else's", async () => {
      const userId = uid("user");
      const [a, b, reset, theirs] = [uid("hash"), uid("hash"), uid("hash"), uid("hash")];
      await links().insert(a, link({ userId }));
      await links().insert(b, link({ userId }));
      await links().insert(reset, link({ userId, purpose: "reset-password" }));
      await links().insert(theirs, link());
      expect(await links().deleteOf("verify-email", userId)).toBe(2);
      expect(await links().find(a, "verify-email", T)).toBeUndefined();
      expect(await links().find(b, "verify-email", T)).toBeUndefined();
      expect(await links().find(reset, "reset-password", T)).toBeDefined();
      expect(await links().find(theirs, "verify-email", T)).toBeDefined();
      expect(await links().deleteOf("verify-email", userId)).toBe(0);
    });
  });
}
