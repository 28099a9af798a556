import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import {
  beginAuthorization,
  completeAuthorization,
  introspect,
  REDIRECT,
  type RelyingParty,
  relyingParty,
  sleep,
  type TestUser,
  tokenRequest,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

describe("authorization_code grant", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let other: RelyingParty;
  let alice: TestUser;
  let browser: FormBrowser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    other = await relyingParty(server, { name: "Other App" });
    alice = await makeUser(server.ctx);
    browser = new FormBrowser(server.issuer);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  /** A fresh code for alice (consent is remembered after the first). */
  async function code(target: RelyingParty = rp): Promise<{ code: string; verifier: string }> {
    const start = await beginAuthorization(target, browser);
    const { callback } = await completeAuthorization(browser, start, alice);
    const value = callback.searchParams.get("code");
    if (!value) throw new Error(`no code: ${callback}`);
    return { code: value, verifier: start.verifier };
  }

  function redeem(
    c: { code: string; verifier: string },
    overrides: Record<string, string> = {},
    as: RelyingParty = rp,
  ) {
    return tokenRequest(server, as, {
      grant_type: "authorization_code",
      code: c.code,
      redirect_uri: REDIRECT,
      code_verifier: c.verifier,
      ...overrides,
    });
  }

  it("redeems a code once (control)", async () => {
    const answer = await redeem(await code());
    expect(answer.status).toBe(200);
    expect(answer.json?.token_type).toBe("Bearer");
    expect(answer.headers.get("cache-control")).toContain("no-store");
  });

  it("refuses a replayed code and revokes every token issued from it", async () => {
    const c = await code();
    const first = await redeem(c);
    expect(first.status).toBe(200);
    const access = String(first.json?.access_token);
    const refresh = String(first.json?.refresh_token);
    expect((await introspect(server, rp, access)).active).toBe(true);
    const replay = await redeem(c);
    expect(replay.status).toBe(400);
    expect(replay.json?.error).toBe("invalid_grant");
    expect((await introspect(server, rp, access)).active).toBe(false);
    const refreshed = await tokenRequest(server, rp, { grant_type: "refresh_token", refresh_token: refresh });
    expect(refreshed.json?.error).toBe("invalid_grant");
  });

  it("a code is bound to its client", async () => {
    const c = await code();
    const answer = await redeem(c, {}, other);
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe("invalid_grant");
  });

  it("a code is bound to its redirect URI", async () => {
    for (const uri of [`${REDIRECT}/`, "http://127.0.0.1:9/other"]) {
      const answer = await redeem(await code(), { redirect_uri: uri });
      expect(answer.status).toBe(400);
      expect(answer.json?.error).toBe("invalid_grant");
    }
  });

  it("a code is bound to its PKCE challenge", async () => {
    const c = await code();
    const wrong = await redeem(c, { code_verifier: "a".repeat(43) });
    expect(wrong.status).toBe(400);
    expect(wrong.json?.error).toBe("invalid_grant");
    const missing = await tokenRequest(server, rp, {
      grant_type: "authorization_code",
      code: (await code()).code,
      redirect_uri: REDIRECT,
    });
    expect(missing.json?.error).toBe("invalid_request");
  });

  it("an unknown code is invalid_grant", async () => {
    const answer = await redeem({ code: "x".repeat(43), verifier: "a".repeat(43) });
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe("invalid_grant");
  });

  it("of 20 concurrent redemptions exactly one succeeds", async () => {
    const c = await code();
    const answers = await Promise.all(Array.from({ length: 20 }, () => redeem(c)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const a of answers) if (a.status === 400) expect(a.json?.error).toBe("invalid_grant");
    // The code was replayed: whatever the winner got is revoked too.
    const winner = answers.find((a) => a.status === 200);
    expect((await introspect(server, rp, String(winner?.json?.access_token))).active).toBe(false);
  });

  it("a replay racing the first redemption still revokes what it issued", async () => {
    for (let round = 0; round < 5; round++) {
      const c = await code();
      const answers = await Promise.all([redeem(c), redeem(c)]);
      const winners = answers.filter((a) => a.status === 200);
      expect(winners).toHaveLength(1);
      const access = String(winners[0]?.json?.access_token);
      expect((await introspect(server, rp, access)).active).toBe(false);
      const refresh = String(winners[0]?.json?.refresh_token);
      expect(
        (await tokenRequest(server, rp, { grant_type: "refresh_token", refresh_token: refresh })).json?.error,
      ).toBe("invalid_grant");
    }
  });
});

describe("authorization code lifetime", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ authorizationCodeTtl: 1 });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("expires after authorizationCodeTtl", async () => {
    const rp = await relyingParty(server);
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const first = await beginAuthorization(rp, browser);
    await completeAuthorization(browser, first, person);
    const start = await beginAuthorization(rp, browser);
    const { callback } = await completeAuthorization(browser, start, person);
    await sleep(1300);
    const answer = await tokenRequest(server, rp, {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: REDIRECT,
      code_verifier: start.verifier,
    });
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe("invalid_grant");
  });

  it("the configuration refuses a code lifetime over 60 s", async () => {
    await expect(startTestServer({ authorizationCodeTtl: 61 })).rejects.toThrow(/authorizationCodeTtl/);
  });
});
