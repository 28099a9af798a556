import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoveryCodeRepository } from "../../../src/features/one-time-codes/repositories.js";
import { passkeyRepository } from "../../../src/features/passkeys/repositories.js";
import type { FormBrowser } from "../../helpers/browser.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import {
  awayFromStepEdge,
  codeAt,
  enrolFromAccount,
  enrolledPerson,
  heldAfterPassword,
  person,
  recoveryCodesOn,
  secretOn,
  signedIn,
} from "./helpers.js";

const SIX_MINUTES = 6 * 60;

/** Makes the browser's session look signed in six minutes ago (no longer fresh). */
async function ageSession(server: TestServer, browser: FormBrowser) {
  const session = await server.ctx.sessions.resolve(browser.cookie("frontdesk_session"));
  if (!session) throw new Error("no session");
  const { token } = await server.ctx.sessions.create({
    userId: session.userId,
    amr: session.amr,
    acr: session.acr ?? "urn:frontdesk:acr:sfa",
    authTime: Math.floor(Date.now() / 1000) - SIX_MINUTES,
    userAgent: "test",
    ip: "127.0.0.1",
  });
  await server.ctx.sessions.endBySid(session.userId, session.sid);
  browser.setCookie("frontdesk_session", token);
}

describe("one-time codes on the account page", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  const accountPage = async (browser: FormBrowser) => (await browser.follow("/account")).response.text();

  it("set-up shows a QR code (inline SVG), the secret and its otpauth URI; only a valid code switches it on", async () => {
    const who = await person(server);
    const browser = await signedIn(server, who);
    expect(await accountPage(browser)).toContain('href="/account/one-time-codes/setup"');
    const setup = await browser.follow("/account/one-time-codes/setup");
    expect(setup.response.headers.get("content-security-policy")).not.toContain("script-src");
    const page = await setup.response.text();
    const secret = secretOn(page);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 random bytes
    expect(page).toMatch(/<figure class="qr"><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(page).toContain(
      `href="otpauth://totp/127.0.0.1%3A${new URL(server.issuer).port}:${who.username}?issuer=127.0.0.1%3A${new URL(server.issuer).port}&amp;secret=${secret}`,
    );
    // The form carries a handle to the server-side secret, never the secret itself.
    expect(page).not.toContain(`value="${secret}"`);
    const wrong = await browser.submit(page, { code: "12345" });
    expect(wrong.response.status).toBe(400);
    const wrongPage = await wrong.response.text();
    expect(wrongPage).toContain("That code is not right");
    expect(secretOn(wrongPage)).toBe(secret);
    expect(await accountPage(browser)).not.toContain('data-otp-state="on"');
    await awayFromStepEdge();
    const done = await browser.submit(wrongPage, { code: codeAt(secret) });
    const codes = recoveryCodesOn(await done.response.text());
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const account = await accountPage(browser);
    expect(account).toContain('data-otp-state="on"');
    expect(account).toContain('data-recovery-codes-left="10"');
    // Shown once: the account page never shows them again.
    for (const code of codes) expect(account).not.toContain(code);
  });

  it("a secret sent back by the browser is never used: only the server's pending one counts", async () => {
    const who = await person(server);
    const browser = await signedIn(server, who);
    const page = await (await browser.follow("/account/one-time-codes/setup")).response.text();
    const own = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const forged = await browser.submit(page, { code: codeAt(own), secret: own });
    expect(forged.response.status).toBe(400);
    // Another person's pending set-up is not this one's either.
    const other = await signedIn(server, await person(server));
    const ownPage = await (await other.follow("/account/one-time-codes/setup")).response.text();
    const handle = /name="enrolment" value="([^"]+)"/.exec(page)?.[1] as string;
    const stolen = await other.submit(ownPage, { code: codeAt(secretOn(page)), enrolment: handle });
    expect(new URL(stolen.url).searchParams.get("notice")).toBe("otp-setup-expired");
    expect(await server.ctx.durable.users.get(who.user.id)).toBeDefined();
    expect(await accountPage(browser)).not.toContain('data-otp-state="on"');
  });

  it("setting up, making new codes and turning off need a sign-in of the last five minutes", async () => {
    const who = await enrolledPerson(server);
    const held = await heldAfterPassword(server, who);
    const done = await held.browser.submit(
      held.page,
      { code: codeAt(who.secret) },
      { action: "/login/one-time-codes" },
    );
    expect(new URL(done.url).pathname).toBe("/account");
    await ageSession(server, held.browser);
    const page = await accountPage(held.browser);
    for (const action of ["/account/recovery-codes/regenerate", "/account/one-time-codes/remove"]) {
      const refused = await held.browser.submit(page, {}, { action });
      expect(new URL(refused.url).pathname, action).toBe("/login");
      expect(new URL(refused.url).searchParams.get("return_to")).toBe("/account");
    }
    expect(await accountPage(held.browser)).toContain('data-recovery-codes-left="10"');
    expect(await accountPage(held.browser)).toContain('data-otp-state="on"');
    const stale = await signedIn(server, await person(server));
    await ageSession(server, stale);
    const setup = await stale.follow("/account/one-time-codes/setup");
    expect(new URL(setup.url).pathname).toBe("/login");
    expect(new URL(setup.url).searchParams.get("return_to")).toBe("/account/one-time-codes/setup");
  });

  it("new recovery codes replace the old ones: an old code no longer signs in, a new one does", async () => {
    const who = await enrolledPerson(server);
    const held = await heldAfterPassword(server, who);
    await held.browser.submit(held.page, { code: codeAt(who.secret) }, { action: "/login/one-time-codes" });
    const page = await accountPage(held.browser);
    const made = await held.browser.submit(page, {}, { action: "/account/recovery-codes/regenerate" });
    const fresh = recoveryCodesOn(await made.response.text());
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => who.recoveryCodes.includes(c))).toBe(false);
    const again = await heldAfterPassword(server, who);
    const old = await again.browser.submit(
      again.page,
      { code: who.recoveryCodes[0] as string },
      { action: "/login/recovery-codes" },
    );
    expect(new URL(old.url).pathname).toBe("/login/second-factor");
    const page2 = await old.response.text();
    const ok = await again.browser.submit(
      page2,
      { code: fresh[0] as string },
      { action: "/login/recovery-codes" },
    );
    expect(new URL(ok.url).pathname).toBe("/account");
    expect(await accountPage(again.browser)).toContain('data-recovery-codes-left="9"');
  });

  it("turning off the last second factor: a session that used a code may; one without needs a valid recovery code", async () => {
    const who = await person(server);
    // The session that sets the app up signed in with the password only.
    const browser = await signedIn(server, who);
    await awayFromStepEdge();
    const { recoveryCodes } = await enrolFromAccount(browser);
    let page = await accountPage(browser);
    expect(page).toContain('name="recovery_code"');
    const bare = await browser.submit(page, {}, { action: "/account/one-time-codes/remove" });
    expect(new URL(bare.url).searchParams.get("notice")).toBe("otp-last");
    page = await bare.response.text();
    const wrong = await browser.submit(
      page,
      { recovery_code: "AAAAA-AAAAA" },
      { action: "/account/one-time-codes/remove" },
    );
    expect(new URL(wrong.url).searchParams.get("notice")).toBe("otp-last");
    expect(await accountPage(browser)).toContain('data-otp-state="on"');
    page = await accountPage(browser);
    const ok = await browser.submit(
      page,
      { recovery_code: recoveryCodes[1] as string },
      { action: "/account/one-time-codes/remove" },
    );
    expect(new URL(ok.url).searchParams.get("notice")).toBe("otp-removed");
    expect(await accountPage(browser)).not.toContain('data-otp-state="on"');
    // No factor is left for them to recover: the codes went too, and the password alone signs in again.
    expect(await recoveryCodeRepository(server.ctx.durable).count(who.user.id)).toBe(0);
    expect(await signedIn(server, who)).toBeDefined();
  });

  it("a session that signed in with a code turns the app off without a recovery code", async () => {
    const who = await enrolledPerson(server);
    const held = await heldAfterPassword(server, who);
    await held.browser.submit(held.page, { code: codeAt(who.secret) }, { action: "/login/one-time-codes" });
    const page = await accountPage(held.browser);
    expect(page).not.toContain('name="recovery_code"');
    const done = await held.browser.submit(page, {}, { action: "/account/one-time-codes/remove" });
    expect(new URL(done.url).searchParams.get("notice")).toBe("otp-removed");
    expect(await signedIn(server, who)).toBeDefined();
  });

  it("changing the password in a session that used a code keeps its second factor: no second-factor page, still mfa", async () => {
    const who = await enrolledPerson(server);
    const held = await heldAfterPassword(server, who);
    await held.browser.submit(held.page, { code: codeAt(who.secret) }, { action: "/login/one-time-codes" });
    const page = await held.browser.follow("/account/password");
    const done = await held.browser.submit(await page.response.text(), {
      current: who.password,
      password: "a whole new passphrase 42",
      confirmation: "a whole new passphrase 42",
    });
    expect(new URL(done.url).pathname).toBe("/account");
    const session = await server.ctx.sessions.resolve(held.browser.cookie("frontdesk_session"));
    expect(session?.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(session?.acr).toBe("urn:frontdesk:acr:mfa");
  });

  it("the last passkey left beside recovery codes: removed with a valid recovery code, not with the password alone", async () => {
    const who = await person(server);
    const browser = await signedIn(server, who);
    await awayFromStepEdge();
    const { recoveryCodes } = await enrolFromAccount(browser);
    const passkeys = passkeyRepository(server.ctx.durable);
    const now = Math.floor(Date.now() / 1000);
    await passkeys.insert({
      id: `pk-${who.username}`,
      userId: who.user.id,
      publicKey: "AQID",
      counter: 0,
      transports: ["internal"],
      backupEligible: false,
      backupState: false,
      aaguid: "00000000-0000-0000-0000-000000000000",
      rpId: "127.0.0.1",
      name: "Laptop",
      createdAt: now,
      lastUsedAt: null,
    });
    // The app is not the last factor (the passkey stays): it goes, the recovery codes stay.
    const off = await browser.submit(
      await accountPage(browser),
      {},
      { action: "/account/one-time-codes/remove" },
    );
    expect(new URL(off.url).searchParams.get("notice")).toBe("otp-removed");
    const codes = recoveryCodeRepository(server.ctx.durable);
    expect(await codes.count(who.user.id)).toBe(10);
    const remove = async (recovery_code?: string) => {
      const page = await accountPage(browser);
      expect(page).toContain('name="recovery_code"');
      const done = await browser.submit(page, recovery_code === undefined ? {} : { recovery_code }, {
        action: "/account/passkeys/remove",
      });
      return new URL(done.url).searchParams.get("notice");
    };
    expect(await remove()).toBe("passkey-last");
    expect(await remove("AAAAA-BBBBB")).toBe("passkey-last");
    expect(await passkeys.listByUser(who.user.id)).toHaveLength(1);
    expect(await remove(recoveryCodes[0])).toBe("passkey-removed");
    expect(await passkeys.listByUser(who.user.id)).toEqual([]);
    expect(await codes.count(who.user.id)).toBe(9);
  });

  it("refuses a forged form (no CSRF token) and changes nothing", async () => {
    const who = await enrolledPerson(server);
    const held = await heldAfterPassword(server, who);
    await held.browser.submit(held.page, { code: codeAt(who.secret) }, { action: "/login/one-time-codes" });
    for (const action of [
      "/account/one-time-codes/remove",
      "/account/recovery-codes/regenerate",
      "/account/one-time-codes/setup",
    ]) {
      const forged = await held.browser.request(action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "csrf=forged",
      });
      expect(forged.status, action).toBe(403);
    }
    expect(await accountPage(held.browser)).toContain('data-recovery-codes-left="10"');
  });
});
