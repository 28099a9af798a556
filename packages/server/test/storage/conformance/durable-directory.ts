import { describe, expect, it } from "vitest";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { client, T, uid, user } from "./records.js";

/** Clients, users and grants. */
export function directoryConformance(store: () => DurableStore): void {
  describe("clients", () => {
    it("creates and reads back every field", async () => {
      const c = client();
      await store().clients.create(c);
      expect(await store().clients.get(c.id)).toEqual(c);
      const pub = client({
        secretHash: null,
        tokenEndpointAuthMethod: "none",
        firstParty: false,
        disabled: true,
      });
      await store().clients.create(pub);
      expect(await store().clients.get(pub.id)).toEqual(pub);
      expect(typeof (await store().clients.get(c.id))?.createdAt).toBe("number");
      const rotated = client({ previousSecretHash: "cd".repeat(32), previousSecretExpiresAt: T + 86_400 });
      await store().clients.create(rotated);
      expect(await store().clients.get(rotated.id)).toEqual(rotated);
    });

    it("answers undefined for an unknown id and rejects a duplicate id", async () => {
      expect(await store().clients.get(uid("nope"))).toBeUndefined();
      const c = client();
      await store().clients.create(c);
      await expect(store().clients.create({ ...c, name: "other" })).rejects.toThrow();
      expect((await store().clients.get(c.id))?.name).toBe("Reports");
    });

    it("lists in creation order and deletes", async () => {
      const a = client({ createdAt: T + 5 });
      const b = client({ createdAt: T + 6 });
      await store().clients.create(b);
      await store().clients.create(a);
      const ids = (await store().clients.list()).map((c) => c.id);
      expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      expect(await store().clients.delete(a.id)).toBe(true);
      expect(await store().clients.delete(a.id)).toBe(false);
      expect(await store().clients.get(a.id)).toBeUndefined();
      expect((await store().clients.list()).map((c) => c.id)).not.toContain(a.id);
    });

    it("rotates a secret atomically: the current one becomes the previous one until the given time", async () => {
      const c = client();
      await store().clients.create(c);
      const [h1, h2, h3] = ["01", "02", "03"].map((x) => x.repeat(32)) as [string, string, string];
      expect(await store().clients.rotateSecret(c.id, h1, T + 100)).toBe(true);
      expect(await store().clients.get(c.id)).toEqual({
        ...c,
        secretHash: h1,
        previousSecretHash: c.secretHash,
        previousSecretExpiresAt: T + 100,
      });
      expect(await store().clients.rotateSecret(c.id, h2, T + 200)).toBe(true);
      expect(await store().clients.get(c.id)).toMatchObject({
        secretHash: h2,
        previousSecretHash: h1,
        previousSecretExpiresAt: T + 200,
      });
      // Without a grace period the previous secret (and any earlier one) goes at once.
      expect(await store().clients.rotateSecret(c.id, h3, null)).toBe(true);
      expect(await store().clients.get(c.id)).toEqual({
        ...c,
        secretHash: h3,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
      });
      const pub = client({ secretHash: null, tokenEndpointAuthMethod: "none" });
      await store().clients.create(pub);
      expect(await store().clients.rotateSecret(pub.id, h1, T)).toBe(false);
      expect(await store().clients.get(pub.id)).toEqual(pub);
      expect(await store().clients.rotateSecret(uid("nope"), h1, T)).toBe(false);
    });

    it("updates only the fields given", async () => {
      const c = client();
      const other = client();
      await store().clients.create(c);
      await store().clients.create(other);
      const changes = {
        name: "Reports v2",
        redirectUris: ["https://app.example/new"],
        postLogoutRedirectUris: [],
        grantTypes: ["client_credentials"],
        scopes: ["reports:write"],
        firstParty: false,
        disabled: true,
      };
      expect(await store().clients.update(c.id, changes)).toBe(true);
      expect(await store().clients.get(c.id)).toEqual({ ...c, ...changes });
      expect(await store().clients.update(c.id, { name: "Reports v3" })).toBe(true);
      expect(await store().clients.get(c.id)).toEqual({ ...c, ...changes, name: "Reports v3" });
      expect(await store().clients.get(other.id)).toEqual(other);
      expect(await store().clients.update(c.id, {})).toBe(true);
      expect(await store().clients.update(uid("nope"), { name: "x" })).toBe(false);
      expect(await store().clients.update(uid("nope"), {})).toBe(false);
    });
  });

  describe("client metadata", () => {
    it("keeps registration metadata (keys, algorithms, logout URI) and updates it whole", async () => {
      const c = client({
        metadata: {
          jwks: { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1" }] },
          idTokenSignedResponseAlg: "ES256",
          backchannelLogoutUri: "https://app.example/bc",
          backchannelLogoutSessionRequired: true,
        },
      });
      await store().clients.create(c);
      expect((await store().clients.get(c.id))?.metadata).toEqual(c.metadata);
      await store().clients.update(c.id, { metadata: { jwksUri: "https://app.example/jwks" } });
      expect((await store().clients.get(c.id))?.metadata).toEqual({ jwksUri: "https://app.example/jwks" });
      const bare = client();
      await store().clients.create(bare);
      expect((await store().clients.get(bare.id))?.metadata).toEqual({});
    });
  });

  describe("users", () => {
    it("creates and reads by id and by username", async () => {
      const u = user();
      await store().users.create(u);
      expect(await store().users.get(u.id)).toEqual(u);
      expect(await store().users.getByUsername(u.username)).toEqual(u);
      expect(await store().users.getByUsername(uid("nobody"))).toBeUndefined();
      expect(await store().users.get(uid("nobody"))).toBeUndefined();
      const bare = user({ name: null, email: null, emailVerified: false, tenant: null, roles: [] });
      await store().users.create(bare);
      expect(await store().users.get(bare.id)).toEqual(bare);
      expect((await store().users.list()).map((x) => x.id)).toEqual(expect.arrayContaining([u.id, bare.id]));
    });

    it("keeps a user without a password (upstream sign-in, passkeys), and sets and clears one later", async () => {
      const u = user({ passwordHash: null });
      await store().users.create(u);
      expect(await store().users.get(u.id)).toEqual(u);
      await store().users.update(u.id, { passwordHash: "$argon2id$v=19$later" });
      expect((await store().users.get(u.id))?.passwordHash).toBe("$argon2id$v=19$later");
      await store().users.update(u.id, { passwordHash: null });
      expect((await store().users.getByUsername(u.username))?.passwordHash).toBeNull();
    });

    it("finds users by e-mail address in any letter case, oldest first; an address may be shared", async () => {
      const address = `${uid("Mixed")}@Example.COM`;
      const older = user({ email: address, createdAt: T + 1 });
      const newer = user({ email: address.toLowerCase(), createdAt: T + 2 });
      const someoneElse = user();
      await store().users.create(newer);
      await store().users.create(older);
      await store().users.create(someoneElse);
      expect(await store().users.findByEmail(address.toUpperCase())).toEqual([older, newer]);
      expect(await store().users.findByEmail(address.toLowerCase())).toEqual([older, newer]);
      expect(await store().users.findByEmail(`${uid("nobody")}@example.com`)).toEqual([]);
      // A prefix or a pattern is not a match.
      expect(await store().users.findByEmail(address.slice(0, -1))).toEqual([]);
      expect(await store().users.findByEmail("%")).toEqual([]);
      await store().users.update(newer.id, { email: null });
      expect(await store().users.findByEmail(address)).toEqual([older]);
    });

    it("refuses a second user with the same username", async () => {
      const u = user();
      await store().users.create(u);
      await expect(store().users.create(user({ username: u.username }))).rejects.toThrow();
      expect((await store().users.getByUsername(u.username))?.id).toBe(u.id);
    });

    it("updates only the fields given", async () => {
      const u = user();
      await store().users.create(u);
      expect(
        await store().users.update(u.id, { disabled: true, tokensRevokedBefore: T + 99, roles: ["viewer"] }),
      ).toBe(true);
      expect(await store().users.get(u.id)).toEqual({
        ...u,
        disabled: true,
        tokensRevokedBefore: T + 99,
        roles: ["viewer"],
      });
      await store().users.update(u.id, { name: null, email: null, tenant: null, passwordHash: "new" });
      expect(await store().users.get(u.id)).toMatchObject({
        name: null,
        email: null,
        emailVerified: true,
        tenant: null,
        passwordHash: "new",
      });
      await store().users.update(u.id, { name: "Ann Example" });
      expect((await store().users.get(u.id))?.name).toBe("Ann Example");
      await store().users.update(u.id, { email: "new@example.com", emailVerified: false });
      expect(await store().users.get(u.id)).toMatchObject({ email: "new@example.com", emailVerified: false });
      await store().users.update(u.id, { emailVerified: true });
      expect(await store().users.get(u.id)).toMatchObject({ email: "new@example.com", emailVerified: true });
      expect(await store().users.update(u.id, {})).toBe(true);
      expect(await store().users.update(uid("nobody"), { disabled: true })).toBe(false);
      expect(await store().users.update(uid("nobody"), {})).toBe(false);
    });

    it("replaces a password hash only while it is still the expected one", async () => {
      const u = user({ passwordHash: "$2b$10$imported" });
      const other = user({ passwordHash: "$2b$10$imported" });
      await store().users.create(u);
      await store().users.create(other);
      expect(
        await store().users.replacePasswordHash(u.id, "$2b$10$imported", "$argon2id$v=19$upgraded"),
      ).toBe(true);
      expect((await store().users.get(u.id))?.passwordHash).toBe("$argon2id$v=19$upgraded");
      // The other user with the same hash is untouched.
      expect((await store().users.get(other.id))?.passwordHash).toBe("$2b$10$imported");
      // A second replacement from the old hash (a sign-in racing a password change) changes nothing.
      expect(await store().users.replacePasswordHash(u.id, "$2b$10$imported", "$argon2id$v=19$stale")).toBe(
        false,
      );
      expect((await store().users.get(u.id))?.passwordHash).toBe("$argon2id$v=19$upgraded");
      expect(await store().users.replacePasswordHash(uid("nobody"), "x", "y")).toBe(false);
    });

    it("replaces one password hash of many racing replacements from the same one", async () => {
      const u = user({ passwordHash: "$2b$10$raced" });
      await store().users.create(u);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store().users.replacePasswordHash(u.id, "$2b$10$raced", `new-${i}`),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store().users.get(u.id))?.passwordHash).toBe(`new-${winner}`);
    });

    it("deletes a user: gone by id, by username and from the list; the username is free again", async () => {
      const u = user();
      const other = user();
      await store().users.create(u);
      await store().users.create(other);
      expect(await store().users.delete(u.id)).toBe(true);
      expect(await store().users.delete(u.id)).toBe(false);
      expect(await store().users.get(u.id)).toBeUndefined();
      expect(await store().users.getByUsername(u.username)).toBeUndefined();
      expect((await store().users.list()).map((x) => x.id)).not.toContain(u.id);
      expect(await store().users.get(other.id)).toEqual(other);
      const successor = user({ username: u.username });
      await store().users.create(successor);
      expect((await store().users.getByUsername(u.username))?.id).toBe(successor.id);
    });
  });

  describe("grants", () => {
    it("upserts: creates, then replaces scopes keeping createdAt", async () => {
      const userId = uid("user");
      const clientId = uid("client");
      const g = { userId, clientId, scopes: ["openid"], createdAt: T, updatedAt: T };
      await store().grants.upsert(g);
      expect(await store().grants.get(userId, clientId)).toEqual(g);
      await store().grants.upsert({
        ...g,
        scopes: ["openid", "email"],
        createdAt: T + 50,
        updatedAt: T + 50,
      });
      expect(await store().grants.get(userId, clientId)).toEqual({
        ...g,
        scopes: ["openid", "email"],
        updatedAt: T + 50,
      });
      expect(await store().grants.get(userId, uid("client"))).toBeUndefined();
    });

    it("lists a user's grants and deletes one", async () => {
      const userId = uid("user");
      const [c1, c2] = [uid("client"), uid("client")];
      await store().grants.upsert({ userId, clientId: c1, scopes: ["a"], createdAt: T, updatedAt: T });
      await store().grants.upsert({
        userId,
        clientId: c2,
        scopes: ["b"],
        createdAt: T + 1,
        updatedAt: T + 1,
      });
      await store().grants.upsert({
        userId: uid("user"),
        clientId: c1,
        scopes: [],
        createdAt: T,
        updatedAt: T,
      });
      expect((await store().grants.listByUser(userId)).map((g) => g.clientId)).toEqual([c1, c2]);
      expect(await store().grants.delete(userId, c1)).toBe(true);
      expect(await store().grants.delete(userId, c1)).toBe(false);
      expect((await store().grants.listByUser(userId)).map((g) => g.clientId)).toEqual([c2]);
    });

    it("deletes every grant of a user and nobody else's", async () => {
      const userId = uid("user");
      const otherUser = uid("user");
      const clientId = uid("client");
      for (const c of [clientId, uid("client")])
        await store().grants.upsert({ userId, clientId: c, scopes: ["a"], createdAt: T, updatedAt: T });
      const kept = { userId: otherUser, clientId, scopes: ["b"], createdAt: T, updatedAt: T };
      await store().grants.upsert(kept);
      expect(await store().grants.deleteAllOfUser(userId)).toBe(2);
      expect(await store().grants.listByUser(userId)).toEqual([]);
      expect(await store().grants.get(otherUser, clientId)).toEqual(kept);
      expect(await store().grants.deleteAllOfUser(userId)).toBe(0);
    });
  });
}
