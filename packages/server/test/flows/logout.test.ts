import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import {
  accountStatus,
  codeFlow,
  introspect,
  LOGOUT_REDIRECT,
  type RelyingParty,
  relyingParty,
  type TestUser,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

describe("RP-initiated logout (end_session)", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    alice = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("confirms, ends the session, and returns to the registered URI with state", async () => {
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, browser, alice);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(true);
    const url = oidc.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: LOGOUT_REDIRECT,
      state: "bye-42",
    });
    const confirm = await browser.request(url.toString());
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    expect(page).toContain("Photo Printer");
    // Nothing has ended yet: the GET only asks.
    expect(await accountStatus(browser)).toBe(200);
    const done = await browser.submit(page, {}, { button: { name: "decision", value: "logout" } });
    const back = new URL(done.url);
    expect(`${back.origin}${back.pathname}`).toBe(LOGOUT_REDIRECT);
    expect(back.searchParams.get("state")).toBe("bye-42");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    // The session is gone: the account page sends to sign-in, and its access tokens are dead.
    const account = await browser.request("/account");
    expect(account.status).toBe(303);
    expect(account.headers.get("location")).toBe("/login");
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    expect(await server.ctx.sessions.listForUser(alice.user.id)).toHaveLength(0);
  });

  it("'stay signed in' keeps the session", async () => {
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, browser, alice);
    const url = oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token as string });
    const page = await (await browser.request(url.toString())).text();
    await browser.submit(page, {}, { button: { name: "decision", value: "stay" } });
    expect(await accountStatus(browser)).toBe(200);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(true);
  });

  it("an unregistered post_logout_redirect_uri gets an error page, no redirect, and no sign-out", async () => {
    const other = await relyingParty(server, {
      name: "Other App",
      postLogoutRedirectUris: ["http://127.0.0.1:9/other-bye"],
    });
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, browser, alice);
    for (const target of [
      "https://evil.example/bye",
      `${LOGOUT_REDIRECT}/`,
      `${LOGOUT_REDIRECT}?x=1`,
      "http://127.0.0.1:9/other-bye", // registered, but by another client
    ]) {
      const url = new URL(`${server.issuer}/logout`);
      url.searchParams.set("id_token_hint", tokens.id_token as string);
      url.searchParams.set("post_logout_redirect_uri", target);
      url.searchParams.set("state", "s");
      const response = await browser.request(url.toString());
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(response.headers.get("content-type")).toContain("text/html");
    }
    // Without a hint or client_id, no redirect target can be verified.
    const bare = await browser.request(
      `/logout?post_logout_redirect_uri=${encodeURIComponent(LOGOUT_REDIRECT)}`,
    );
    expect(bare.status).toBe(400);
    expect(bare.headers.get("location")).toBeNull();
    // A forged id_token_hint naming the other client is refused too.
    const forgedHint = (tokens.id_token as string).replace(/\.[^.]+$/, ".AAAA");
    const forged = await browser.request(
      `/logout?id_token_hint=${forgedHint}&post_logout_redirect_uri=${encodeURIComponent(LOGOUT_REDIRECT)}`,
    );
    expect(forged.status).toBe(400);
    expect(forged.headers.get("location")).toBeNull();
    expect(other.id).toBeTruthy();
    expect(await accountStatus(browser)).toBe(200);
  });
});
