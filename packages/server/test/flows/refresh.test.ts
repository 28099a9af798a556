import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import { basic, postForm } from "../helpers/http.js";
import {
  codeFlow,
  decodePayload,
  introspect,
  type RelyingParty,
  relyingParty,
  sha256hex,
  sleep,
  type TestUser,
  tokenRequest,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

describe("refresh_token grant", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;
  let browser: FormBrowser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    alice = await makeUser(server.ctx);
    browser = new FormBrowser(server.issuer);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  async function tokens(scope = "openid profile email offline_access", target = rp) {
    return (await codeFlow(target, browser, alice, { scope })).tokens;
  }

  const refresh = (token: string, extra: Record<string, string> = {}, as: RelyingParty = rp) =>
    tokenRequest(server, as, { grant_type: "refresh_token", refresh_token: token, ...extra });

  it("is opaque, at least 256 bits, and stored only as a hash", async () => {
    const { refresh_token } = await tokens();
    const token = refresh_token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(token.split(".")).toHaveLength(1);
    expect(await server.ctx.durable.refreshTokens.get(token)).toBeUndefined();
    expect(await server.ctx.durable.refreshTokens.get(sha256hex(token))).toBeDefined();
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith("frontdesk.db")))
      expect(readFileSync(join(server.dataDir, file)).includes(token)).toBe(false);
  });

  it("is issued only with offline_access", async () => {
    const without = await tokens("openid profile");
    expect(without.refresh_token).toBeUndefined();
    const withIt = await tokens("openid offline_access");
    expect(withIt.refresh_token).toBeTruthy();
  });

  it("rotates on every use; reusing a rotated token revokes the whole family", async () => {
    const first = await tokens();
    const second = await oidc.refreshTokenGrant(rp.config, first.refresh_token as string);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const third = await oidc.refreshTokenGrant(rp.config, second.refresh_token as string);
    expect((await introspect(server, rp, third.access_token)).active).toBe(true);
    expect((await introspect(server, rp, third.refresh_token as string)).active).toBe(true);
    // Reuse of the first (rotated) token:
    const reuse = await refresh(first.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(reuse.json?.error).toBe("invalid_grant");
    // The whole family is dead: the current token and the access tokens it issued.
    expect((await refresh(third.refresh_token as string)).json?.error).toBe("invalid_grant");
    expect((await introspect(server, rp, third.refresh_token as string)).active).toBe(false);
    expect((await introspect(server, rp, third.access_token)).active).toBe(false);
    expect((await introspect(server, rp, second.access_token)).active).toBe(false);
  });

  it("may narrow the scope of the access token, never widen it", async () => {
    const { refresh_token } = await tokens("openid profile offline_access");
    const narrowed = await refresh(refresh_token as string, { scope: "openid" });
    expect(narrowed.status).toBe(200);
    expect(narrowed.json?.scope).toBe("openid");
    expect(decodePayload(String(narrowed.json?.access_token)).scope).toBe("openid");
    // The grant keeps its scope: the next refresh without scope gets all of it back.
    const full = await refresh(String(narrowed.json?.refresh_token));
    expect(String(full.json?.scope).split(" ").sort()).toEqual(["offline_access", "openid", "profile"]);
    // Widening is refused, and changes nothing: the token still works afterwards.
    const current = String(full.json?.refresh_token);
    const wider = await refresh(current, { scope: "openid email" });
    expect(wider.status).toBe(400);
    expect(wider.json?.error).toBe("invalid_scope");
    expect((await refresh(current)).status).toBe(200);
  });

  it("is bound to its client", async () => {
    const other = await relyingParty(server, { name: "Other App" });
    const { refresh_token } = await tokens();
    const stolen = await refresh(refresh_token as string, {}, other);
    expect(stolen.status).toBe(400);
    expect(stolen.json?.error).toBe("invalid_grant");
    // Introspection by another client reveals nothing either.
    expect((await introspect(server, other, refresh_token as string)).active).toBe(false);
    // The rightful client is not affected.
    expect((await refresh(refresh_token as string)).status).toBe(200);
  });

  it("of 10 concurrent uses of one token at most one succeeds", async () => {
    const { refresh_token } = await tokens();
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(refresh_token as string)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const a of answers) if (a.status !== 200) expect(a.json?.error).toBe("invalid_grant");
  });

  it("revoking a refresh token revokes its family and the access tokens it issued", async () => {
    const first = await tokens();
    const second = await oidc.refreshTokenGrant(rp.config, first.refresh_token as string);
    const current = second.refresh_token as string;
    expect((await introspect(server, rp, current)).token_type).toBe("refresh_token");
    const revoked = await postForm(
      server,
      "/revoke",
      { token: current, token_type_hint: "refresh_token" },
      { authorization: basic(rp.id, rp.secret) },
    );
    expect(revoked.status).toBe(200);
    expect((await introspect(server, rp, current)).active).toBe(false);
    expect((await refresh(current)).json?.error).toBe("invalid_grant");
    expect((await introspect(server, rp, first.access_token)).active).toBe(false);
    expect((await introspect(server, rp, second.access_token)).active).toBe(false);
  });

  it("revoking a user's access token makes it introspect inactive", async () => {
    const { access_token } = await tokens();
    const claims = await introspect(server, rp, access_token);
    expect(claims).toMatchObject({ active: true, sub: alice.user.id, client_id: rp.id });
    await oidc.tokenRevocation(rp.config, access_token);
    expect((await introspect(server, rp, access_token)).active).toBe(false);
  });

  it("another client cannot revoke a client's refresh token", async () => {
    const other = await relyingParty(server, { name: "Meddler" });
    const { refresh_token } = await tokens();
    await postForm(
      server,
      "/revoke",
      { token: refresh_token as string },
      { authorization: basic(other.id, other.secret) },
    );
    expect((await refresh(refresh_token as string)).status).toBe(200);
  });
});

describe("refresh token lifetimes", () => {
  it("ends after the idle lifetime without use", async () => {
    const server = await startTestServer({ refreshTokenIdleTtl: 1, refreshTokenAbsoluteTtl: 60 });
    try {
      const rp = await relyingParty(server);
      const person = await makeUser(server.ctx);
      const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), person);
      await sleep(2100);
      const answer = await tokenRequest(server, rp, {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token as string,
      });
      expect(answer.status).toBe(400);
      expect(answer.json?.error).toBe("invalid_grant");
    } finally {
      await server.close();
    }
  });

  it("ends at the absolute lifetime even when used within the idle lifetime", async () => {
    const server = await startTestServer({ refreshTokenIdleTtl: 3, refreshTokenAbsoluteTtl: 4 });
    try {
      const rp = await relyingParty(server);
      const person = await makeUser(server.ctx);
      const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), person);
      const started = Date.now();
      let token = tokens.refresh_token as string;
      let answer = await tokenRequest(server, rp, { grant_type: "refresh_token", refresh_token: token });
      const statuses: number[] = [];
      // Used every second (well within the 3 s idle lifetime) until it fails.
      while (Date.now() - started < 7000) {
        statuses.push(answer.status);
        if (answer.status !== 200) break;
        token = String(answer.json?.refresh_token);
        await sleep(1000);
        answer = await tokenRequest(server, rp, { grant_type: "refresh_token", refresh_token: token });
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(answer.json?.error).toBe("invalid_grant");
      expect(Date.now() - started).toBeLessThan(5500);
    } finally {
      await server.close();
    }
  }, 15_000);
});
