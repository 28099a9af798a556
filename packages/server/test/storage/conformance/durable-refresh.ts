import { describe, expect, it } from "vitest";
import type { DurableStore, RefreshFamilyRecord } from "../../../src/storage/durable/types.js";
import { family, T, token, uid } from "./records.js";

/** Refresh-token families and tokens: single-use rotation, revocation. */
export function refreshConformance(store: () => DurableStore): void {
  const refresh = () => store().refreshTokens;
  const newFamily = async (over: Partial<RefreshFamilyRecord> = {}) => {
    const f = family(over);
    await refresh().createFamily(f);
    return f;
  };

  describe("refresh tokens", () => {
    it("creates families and tokens and reads every field back", async () => {
      const f = await newFamily();
      expect(await refresh().getFamily(f.id)).toEqual(f);
      const unbound = await newFamily({ dpopJkt: null });
      expect(await refresh().getFamily(unbound.id)).toEqual(unbound);
      expect(await refresh().getFamily(uid("fam"))).toBeUndefined();
      const t = token(f);
      await refresh().insert(t);
      expect(await refresh().get(t.tokenHash)).toEqual(t);
      const bare = token(f, { sid: null, acr: null, amr: [] });
      await refresh().insert(bare);
      expect(await refresh().get(bare.tokenHash)).toEqual(bare);
      expect(await refresh().get(uid("hash"))).toBeUndefined();
      await expect(refresh().insert(t)).rejects.toThrow();
    });

    it("rotates a token once: marks it and stores the successor", async () => {
      const f = await newFamily();
      const t = token(f);
      await refresh().insert(t);
      const next = token(f, { issuedAt: T + 5 });
      expect(await refresh().rotate(t.tokenHash, T + 5, next)).toBe(true);
      expect((await refresh().get(t.tokenHash))?.rotatedAt).toBe(T + 5);
      expect(await refresh().get(next.tokenHash)).toEqual(next);
      const again = token(f);
      expect(await refresh().rotate(t.tokenHash, T + 6, again)).toBe(false);
      expect(await refresh().get(again.tokenHash)).toBeUndefined();
      expect(await refresh().rotate(uid("hash"), T + 6, token(f))).toBe(false);
    });

    it("lets exactly one of 20 concurrent rotations of one token win", async () => {
      const f = await newFamily();
      const t = token(f);
      await refresh().insert(t);
      const successors = Array.from({ length: 20 }, () => token(f));
      const results = await Promise.all(successors.map((s) => refresh().rotate(t.tokenHash, T + 1, s)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = successors[results.indexOf(true)];
      const stored = await Promise.all(successors.map((s) => refresh().get(s.tokenHash)));
      expect(stored.filter(Boolean).map((s) => s?.tokenHash)).toEqual([winner?.tokenHash]);
    });

    it("refuses to rotate a token of a revoked family", async () => {
      const f = await newFamily();
      const t = token(f);
      await refresh().insert(t);
      expect(await refresh().revokeFamily(f.id, T + 3)).toBe(true);
      const next = token(f);
      expect(await refresh().rotate(t.tokenHash, T + 4, next)).toBe(false);
      expect(await refresh().get(next.tokenHash)).toBeUndefined();
      expect((await refresh().get(t.tokenHash))?.rotatedAt).toBeNull();
    });

    it("revokes a family once", async () => {
      const f = await newFamily();
      expect(await refresh().revokeFamily(f.id, T + 3)).toBe(true);
      expect(await refresh().revokeFamily(f.id, T + 9)).toBe(false);
      expect((await refresh().getFamily(f.id))?.revokedAt).toBe(T + 3);
      expect(await refresh().revokeFamily(uid("fam"), T)).toBe(false);
    });

    it("revokes the live families of a user, a client or a session", async () => {
      const userId = uid("user");
      const clientId = uid("client");
      const a = await newFamily({ userId, clientId });
      const b = await newFamily({ userId });
      const c = await newFamily({ clientId });
      const gone = await newFamily({ userId, revokedAt: T });
      const other = await newFamily();
      const sid = uid("sid");
      await refresh().insert(token(c, { sid }));
      await refresh().insert(token(other, { sid: uid("sid") }));

      expect((await refresh().revokeFamiliesOf({ sid }, T + 1)).sort()).toEqual([c.id]);
      expect(await refresh().revokeFamiliesOf({ sid }, T + 2)).toEqual([]);
      expect((await refresh().revokeFamiliesOf({ userId, clientId }, T + 3)).sort()).toEqual([a.id]);
      expect((await refresh().revokeFamiliesOf({ userId }, T + 4)).sort()).toEqual([b.id]);
      expect(await refresh().revokeFamiliesOf({ clientId }, T + 5)).toEqual([]);
      expect((await refresh().getFamily(gone.id))?.revokedAt).toBe(T);
      expect((await refresh().getFamily(b.id))?.revokedAt).toBe(T + 4);
      expect((await refresh().getFamily(other.id))?.revokedAt).toBeNull();
    });

    it("lists a user's active families: not revoked, not expired", async () => {
      const userId = uid("user");
      const live1 = await newFamily({ userId, createdAt: T, expiresAt: T + 100 });
      const live2 = await newFamily({ userId, createdAt: T + 1, expiresAt: T + 100 });
      await newFamily({ userId, expiresAt: T + 10 });
      await newFamily({ userId, revokedAt: T });
      await newFamily();
      expect(await refresh().listActiveFamiliesOfUser(userId, T + 10)).toEqual([live1, live2]);
      expect(await refresh().listActiveFamiliesOfUser(uid("user"), T)).toEqual([]);
    });

    it("deletes every family of a user, live or revoked, with their tokens, and nobody else's", async () => {
      const userId = uid("user");
      const live = await newFamily({ userId });
      const revoked = await newFamily({ userId, revokedAt: T });
      const other = await newFamily();
      const tokens = [token(live), token(live, { rotatedAt: T + 1 }), token(revoked)];
      for (const t of tokens) await refresh().insert(t);
      const kept = token(other);
      await refresh().insert(kept);

      expect(await refresh().deleteAllOfUser(userId)).toBe(2);
      expect(await refresh().getFamily(live.id)).toBeUndefined();
      expect(await refresh().getFamily(revoked.id)).toBeUndefined();
      for (const t of tokens) expect(await refresh().get(t.tokenHash)).toBeUndefined();
      expect(await refresh().getFamily(other.id)).toEqual(other);
      expect(await refresh().get(kept.tokenHash)).toEqual(kept);
      expect(await refresh().deleteAllOfUser(userId)).toBe(0);
    });
  });
}
