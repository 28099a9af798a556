import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/storage/durable/sqlite.js";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { hashToken } from "../../src/tokens/opaque.js";
import { AccountLinks } from "../../src/users/account-links.js";
import { tempDir } from "../helpers/server.js";

describe("single-use account links", () => {
  const dir = tempDir("frontdesk-links-");
  let store: DurableStore;
  let clock = 1_900_000_000;
  let links: AccountLinks;

  beforeAll(async () => {
    store = await openSqliteStore(join(dir, "frontdesk.db"));
    links = new AccountLinks(store.accountLinks, "https://id.example.com/auth", () => clock);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const issue = (over: Partial<Parameters<AccountLinks["issue"]>[0]> = {}) =>
    links.issue({
      purpose: "verify-email",
      userId: "u1",
      email: "alice@example.com",
      ttlSeconds: 600,
      bindTo: "alice@example.com",
      ...over,
    });

  it("issues a 256-bit base64url token and stores only its hash", async () => {
    const token = await issue({ data: { roles: ["viewer"] } });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const rows = await store
      .featureTables<{ account_links: Record<string, unknown> }>()
      .selectFrom("account_links")
      .selectAll()
      .execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.map((r) => r.token_hash)).toContain(hashToken(token));
    expect(await links.peek("verify-email", token)).toEqual({
      purpose: "verify-email",
      userId: "u1",
      email: "alice@example.com",
      bindTo: "alice@example.com",
      data: { roles: ["viewer"] },
      createdAt: clock,
      expiresAt: clock + 600,
    });
  });

  it("redeems once: a second consume of the same token finds nothing", async () => {
    const token = await issue();
    expect(await links.peek("verify-email", token)).toBeDefined();
    expect(await links.peek("verify-email", token)).toBeDefined();
    expect((await links.consume("verify-email", token, { bindTo: "alice@example.com" }))?.userId).toBe("u1");
    expect(await links.consume("verify-email", token, { bindTo: "alice@example.com" })).toBeUndefined();
    expect(await links.peek("verify-email", token)).toBeUndefined();
  });

  it("gives one link to exactly one of 20 concurrent redeemers", async () => {
    const token = await issue();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => links.consume("verify-email", token, { bindTo: "alice@example.com" })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("refuses an expired link, to the second", async () => {
    const token = await issue({ ttlSeconds: 60 });
    const later = await issue({ ttlSeconds: 61 });
    clock += 60;
    expect(await links.consume("verify-email", token, { bindTo: "alice@example.com" })).toBeUndefined();
    expect(await links.consume("verify-email", later, { bindTo: "alice@example.com" })).toBeDefined();
  });

  it("refuses a link bound to other state, and it is used up", async () => {
    const token = await issue();
    // peek shows the binding; consume enforces it.
    expect((await links.peek("verify-email", token))?.bindTo).toBe("alice@example.com");
    expect(await links.consume("verify-email", token, { bindTo: "new@example.com" })).toBeUndefined();
    expect(await links.consume("verify-email", token, { bindTo: "alice@example.com" })).toBeUndefined();
    const unbound = await issue({ purpose: "invitation", userId: undefined, bindTo: undefined });
    expect(await links.consume("invitation", unbound, { bindTo: "x" })).toBeUndefined();
    const unbound2 = await issue({ purpose: "invitation", userId: undefined, bindTo: undefined });
    expect((await links.consume("invitation", unbound2))?.userId).toBeNull();
  });

  it("refuses malformed tokens and a link of another purpose", async () => {
    const token = await issue({ purpose: "reset-password" });
    for (const bad of ["", "abc", `${token}=`, `${token.slice(0, 42)}.`, "A".repeat(4000), `${token} `])
      expect(await links.consume("reset-password", bad, { bindTo: "alice@example.com" })).toBeUndefined();
    expect(await links.consume("verify-email", token, { bindTo: "alice@example.com" })).toBeUndefined();
    expect(await links.consume("reset-password", token, { bindTo: "alice@example.com" })).toBeDefined();
  });

  it("revokeAll invalidates every link of one purpose for one user", async () => {
    const [a, b] = [await issue(), await issue()];
    const reset = await issue({ purpose: "reset-password" });
    const theirs = await issue({ userId: "u2" });
    expect(await links.revokeAll("verify-email", "u1")).toBeGreaterThanOrEqual(2);
    for (const t of [a, b])
      expect(await links.consume("verify-email", t, { bindTo: "alice@example.com" })).toBeUndefined();
    expect(await links.peek("reset-password", reset)).toBeDefined();
    expect(await links.peek("verify-email", theirs)).toBeDefined();
  });

  it("builds links from the issuer, and refuses a lifetime out of range", async () => {
    expect(links.linkUrl("/account/verify-email", "abc_-")).toBe(
      "https://id.example.com/auth/account/verify-email?token=abc_-",
    );
    expect(() => links.linkUrl("//evil.example/x", "t")).toThrow(RangeError);
    expect(() => links.linkUrl("relative", "t")).toThrow(RangeError);
    await expect(issue({ ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(issue({ ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
    await expect(issue({ ttlSeconds: 31 * 24 * 3600 })).rejects.toThrow(RangeError);
  });
});
