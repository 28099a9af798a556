import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import {
  accountStatus,
  alertText,
  codeFlow,
  introspect,
  type RelyingParty,
  relyingParty,
  signIn,
  tokenRequest,
} from "../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../helpers/server.js";
import { startTestServerWithSmtp, type TestSmtp } from "../helpers/smtp.js";
import { makeUser } from "../helpers/users.js";

const NEW_PASSWORD = "another long passphrase";

describe("changing the password on the account page", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let rp: RelyingParty;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp());
    rp = await relyingParty(server);
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  async function passwordPage(browser: FormBrowser) {
    const account = await (await browser.request("/account")).text();
    expect(account).toContain('<a href="/account/password">Change your password</a>');
    const page = await browser.follow("/account/password");
    expect(page.response.status).toBe(200);
    return page.response.text();
  }

  it("asks for the current password, ends every other session and token, renews this one, and says so by email", async () => {
    const person = await makeUser(server.ctx);
    const other = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, other, person);
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const before = browser.cookie(server.ctx.cookies.session);

    const done = await browser.submit(await passwordPage(browser), {
      current: person.password,
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(new URL(done.url).pathname).toBe("/account");
    expect(await done.response.text()).toContain("Your password is changed.");
    // This browser is still signed in, with a new session; the other is signed out.
    const after = browser.cookie(server.ctx.cookies.session);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await accountStatus(browser)).toBe(200);
    expect(await accountStatus(other)).toBe(303);
    const refreshed = await tokenRequest(server, rp, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token as string,
    });
    expect([refreshed.status, refreshed.json?.error]).toEqual([400, "invalid_grant"]);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);
    // The new password is the one that works.
    expect(await accountStatus(await signInFresh(person.username, NEW_PASSWORD))).toBe(200);
    await expect(signInFresh(person.username, person.password)).rejects.toThrow(/sign-in failed/);

    const notice = await smtp.waitForMessage({
      to: person.user.email as string,
      subject: "Your password was changed",
    });
    expect(notice.text).toContain("on the account page");
    expect(notice.text).toContain("You were signed out everywhere else.");
  });

  async function signInFresh(username: string, password: string) {
    const browser = new FormBrowser(server.issuer);
    const done = await signIn(browser, { username, password });
    if (new URL(done.url).pathname !== "/account") throw new Error("sign-in failed");
    return browser;
  }

  it("refuses a wrong current password, a weak new one and a forged form, changing nothing", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const page = await passwordPage(browser);
    const cases: [Record<string, string>, number, RegExp][] = [
      [
        { current: "not the password", password: NEW_PASSWORD, confirmation: NEW_PASSWORD },
        401,
        /current password is not right/,
      ],
      [{ password: NEW_PASSWORD, confirmation: NEW_PASSWORD }, 401, /current password is not right/],
      [{ current: person.password, password: "qwertyuiop", confirmation: "qwertyuiop" }, 400, /most common/],
      [{ current: person.password, password: "short", confirmation: "short" }, 400, /at least 8/],
      [{ current: person.password, password: NEW_PASSWORD, confirmation: "typo" }, 400, /not the same/],
      [
        { current: person.password, password: NEW_PASSWORD, confirmation: NEW_PASSWORD, csrf: "x" },
        403,
        /expired/,
      ],
    ];
    for (const [fields, status, message] of cases) {
      const refused = await browser.submit(page, fields);
      expect(refused.response.status, JSON.stringify(fields)).toBe(status);
      expect(alertText(await refused.response.text())).toMatch(message);
    }
    expect((await server.ctx.durable.users.get(person.user.id))?.passwordHash).toBe(person.user.passwordHash);
    expect(await accountStatus(browser)).toBe(200);
    expect(smtp.messagesTo(person.user.email as string)).toEqual([]);
  });

  it("sends a signed-out browser to sign in first", async () => {
    const browser = new FormBrowser(server.issuer);
    const response = await browser.request("/account/password");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login?return_to=%2Faccount%2Fpassword");
  });

  it("lets an account without a password add one right after signing in, and only then", async () => {
    const user = await createUser(server.ctx, { username: `nopass${Date.now()}`, email: "np@example.test" });
    // A fresh session, as a passkey or an upstream sign-in would make it.
    const { token } = await server.ctx.sessions.create({
      userId: user.id,
      amr: ["hwk"],
      userAgent: "test",
      ip: "127.0.0.1",
    });
    const browser = new FormBrowser(server.issuer);
    browser.setCookie(server.ctx.cookies.session, token);
    const account = await (await browser.request("/account")).text();
    expect(account).toContain('<a href="/account/password">Add a password</a>');
    const page = await (await browser.request("/account/password")).text();
    expect(page).toContain("Add a password");
    expect(page).not.toContain('name="current"');
    const done = await browser.submit(page, { password: NEW_PASSWORD, confirmation: NEW_PASSWORD });
    expect(new URL(done.url).pathname).toBe("/account");
    const stored = await server.ctx.durable.users.get(user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);

    // A sign-in from long ago is not enough to add one.
    const old = await createUser(server.ctx, { username: `stale${Date.now()}` });
    const session = await server.ctx.sessions.create({
      userId: old.id,
      amr: ["hwk"],
      authTime: Math.floor(Date.now() / 1000) - 3600,
      userAgent: "test",
      ip: "127.0.0.1",
    });
    const stale = new FormBrowser(server.issuer);
    stale.setCookie(server.ctx.cookies.session, session.token);
    const again = await (await stale.request("/account/password")).text();
    expect(again).toContain("Sign in again first");
    // Even a form with a valid CSRF token is refused.
    const csrf = /name="csrf" value="([^"]+)"/.exec(again)?.[1] as string;
    const refused = await stale.request("/account/password", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, password: NEW_PASSWORD, confirmation: NEW_PASSWORD }).toString(),
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Sign in again first");
    expect((await server.ctx.durable.users.get(old.id))?.passwordHash).toBeNull();
  });
});
