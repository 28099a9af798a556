import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoveryCodeRepository } from "../../../src/features/one-time-codes/repositories.js";
import { FormBrowser } from "../../helpers/browser.js";
import { beginAuthorization, onServer, redeemCode, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import {
  awayFromStepEdge,
  codeAt,
  enrolFromAccount,
  enrolledPerson,
  person,
  recoveryCodesOn,
  secretOn,
  signedIn,
} from "./helpers.js";

const MFA = "urn:frontdesk:acr:mfa";

/** A person with an app, and a browser whose session used only the password (it set the app up). */
async function passwordOnlySessionWithApp(server: TestServer) {
  const who = await person(server);
  const browser = await signedIn(server, who);
  await awayFromStepEdge();
  return { ...who, browser, ...(await enrolFromAccount(browser)) };
}

describe("step-up with one-time codes, and the administrator's reset", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("acr_values=mfa for a password-only session: the code page, then a new session and an ID token saying mfa", async () => {
    const { browser, secret } = await passwordOnlySessionWithApp(server);
    const rp = await relyingParty(server, { firstParty: true });
    const old = browser.cookie("frontdesk_session") as string;
    const start = await beginAuthorization(rp, browser, { acr_values: MFA });
    expect(new URL(start.url).pathname).toBe("/login/second-factor");
    const page = await start.response.text();
    expect(page).toContain("This needs a stronger sign-in");
    const done = await browser.submit(page, { code: codeAt(secret) }, { action: "/login/one-time-codes" });
    expect(onServer(browser, done.url)).toBe(false);
    const tokens = await redeemCode(rp, start, new URL(done.url));
    const claims = tokens.claims();
    expect(claims?.acr).toBe(MFA);
    expect(claims?.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    // Step-up gave a new session; the old cookie signs nobody in any more.
    const now = browser.cookie("frontdesk_session") as string;
    expect(now).not.toBe(old);
    expect(await server.ctx.sessions.resolve(old)).toBeUndefined();
    expect((await server.ctx.sessions.resolve(now))?.amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("prompt=none asking for more than the session has: interaction_required, no page", async () => {
    const { browser } = await passwordOnlySessionWithApp(server);
    const rp = await relyingParty(server, { firstParty: true });
    const start = await beginAuthorization(rp, browser, { acr_values: MFA, prompt: "none" });
    expect(onServer(browser, start.url)).toBe(false);
    const callback = new URL(start.url);
    expect(callback.searchParams.get("error")).toBe("interaction_required");
    expect(callback.searchParams.get("code")).toBeNull();
  });

  it("a first-factor-only sign-in cannot skip to /authorize with acr_values=mfa: it is held, and asked for the code", async () => {
    const who = await enrolledPerson(server);
    const rp = await relyingParty(server, { firstParty: true });
    const browser = new FormBrowser(server.url);
    const start = await beginAuthorization(rp, browser, { acr_values: MFA });
    const held = await browser.submit(await start.response.text(), {
      username: who.username,
      password: who.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    const again = await beginAuthorization(rp, browser, { acr_values: MFA });
    expect(onServer(browser, again.url)).toBe(true);
    expect(new URL(again.url).pathname).toBe("/login");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
  });

  it("acr_values=phr (a passkey): no code form, and a valid code posted anyway completes nothing", async () => {
    const who = await enrolledPerson(server);
    const rp = await relyingParty(server, { firstParty: true });
    const browser = new FormBrowser(server.url);
    const start = await beginAuthorization(rp, browser, { acr_values: "urn:frontdesk:acr:phr" });
    const held = await browser.submit(await start.response.text(), {
      username: who.username,
      password: who.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    const page = await held.response.text();
    expect(page).not.toContain('action="/login/one-time-codes"');
    expect(page).not.toContain('action="/login/recovery-codes"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    for (const [path, code] of [
      ["/login/one-time-codes", codeAt(who.secret)],
      ["/login/recovery-codes", who.recoveryCodes[0] as string],
    ] as const) {
      const posted = await browser.request(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, code }).toString(),
      });
      expect(posted.status, path).toBe(303);
      expect(new URL(posted.headers.get("location") ?? "", server.url).pathname).toBe("/login/second-factor");
    }
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expect(await recoveryCodeRepository(server.ctx.durable).count(who.user.id)).toBe(10);
  });

  it("the administrator's reset removes the app and recovery codes and ends the sessions; the next sign-in is the password alone", async () => {
    const who = await enrolledPerson(server);
    const issuer = new URL(server.issuer);
    const http = { [oauth.allowInsecureRequests]: true };
    const as = await oauth
      .discoveryRequest(issuer, http)
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    const { id, secret } = await server.client({ scopes: "frontdesk:admin" });
    const grant = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: id },
      oauth.ClientSecretBasic(secret),
      new URLSearchParams({ resource: `${server.issuer}/admin/api` }),
      http,
    );
    const token = (await oauth.processClientCredentialsResponse(as, { client_id: id }, grant)).access_token;
    expect((await server.ctx.sessions.listForUser(who.user.id)).length).toBeGreaterThan(0);
    const reset = await fetch(`${server.url}/admin/api/users/${who.username}/reset-mfa`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reset.status).toBe(200);
    const body = (await reset.json()) as { factors: string[]; sessions_ended: number };
    expect(body.factors).toEqual(expect.arrayContaining(["oneTimeCodes", "recoveryCode"]));
    expect(body.sessions_ended).toBeGreaterThan(0);
    expect(await server.ctx.sessions.listForUser(who.user.id)).toEqual([]);
    expect(await recoveryCodeRepository(server.ctx.durable).count(who.user.id)).toBe(0);
    expect(await signedIn(server, who)).toBeDefined();
  });
});

describe("a second factor required of everyone (features.secondFactor.require=everyone)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ features: { secondFactor: { require: "everyone" } } });
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("someone without one sets up the app right after the password; the code completes the sign-in with otp", async () => {
    const who = await person(server);
    const rp = await relyingParty(server, { firstParty: true });
    const browser = new FormBrowser(server.url);
    const start = await beginAuthorization(rp, browser);
    const held = await browser.submit(await start.response.text(), {
      username: who.username,
      password: who.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    const page = await held.response.text();
    expect(page).toContain("Set up an authenticator app");
    expect(page).not.toContain("Use a recovery code");
    const secret = secretOn(page);
    await awayFromStepEdge();
    const wrong = await browser.submit(page, { code: "000000" }, { action: "/login/one-time-codes/enrol" });
    expect(wrong.response.status).toBe(400);
    const retry = await wrong.response.text();
    expect(secretOn(retry)).toBe(secret);
    const enrolled = await browser.submit(
      retry,
      { code: codeAt(secret) },
      { action: "/login/one-time-codes/enrol" },
    );
    expect(enrolled.response.status).toBe(200);
    const codesPage = await enrolled.response.text();
    expect(recoveryCodesOn(codesPage)).toHaveLength(10);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    const done = await browser.submit(codesPage, {}, { action: "/login/one-time-codes/continue" });
    expect(onServer(browser, done.url)).toBe(false);
    const claims = (await redeemCode(rp, start, new URL(done.url))).claims();
    expect(claims?.acr).toBe(MFA);
    expect(claims?.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    // The "continue" form finishes one sign-in: replayed, it finds nothing.
    const replay = await browser.submit(codesPage, {}, { action: "/login/one-time-codes/continue" });
    expect(replay.response.status).toBe(400);
    expect(await replay.response.text()).toContain("Sign-in already finished");
  });

  it("set-up on the spot is only for someone without a factor: a second browser's set-up is refused once one exists", async () => {
    const who = await person(server);
    const passwordFirst = async () => {
      const browser = new FormBrowser(server.url);
      const login = await browser.follow("/login");
      const held = await browser.submit(await login.response.text(), {
        username: who.username,
        password: who.password,
      });
      return { browser, page: await held.response.text() };
    };
    // Both get a set-up form; the first to finish wins.
    const first = await passwordFirst();
    const second = await passwordFirst();
    await awayFromStepEdge();
    const codes = await first.browser.submit(
      first.page,
      { code: codeAt(secretOn(first.page)) },
      { action: "/login/one-time-codes/enrol" },
    );
    await first.browser.submit(await codes.response.text(), {}, { action: "/login/one-time-codes/continue" });
    const late = await second.browser.submit(
      second.page,
      { code: codeAt(secretOn(second.page)) },
      { action: "/login/one-time-codes/enrol" },
    );
    expect(new URL(late.url).pathname).toBe("/login/second-factor");
    expect(new URL(late.url).searchParams.get("error")).toBe("otp-setup-expired");
    const page = await late.response.text();
    expect(page).toContain("Code from your authenticator app");
    expect(page).not.toContain("Set up an authenticator app");
    expect(second.browser.cookie("frontdesk_session")).toBeUndefined();
    // The second browser's secret is not the person's: its codes sign nobody in.
    const guess = await second.browser.submit(
      page,
      { code: codeAt(secretOn(second.page), Date.now() + 30_000) },
      { action: "/login/one-time-codes" },
    );
    expect(new URL(guess.url).searchParams.get("error")).toBe("otp-wrong");
  });
});
