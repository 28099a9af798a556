import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { beginAuthorization, onServer, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { awayFromStepEdge, codeAt, enrolledPerson, heldAfterPassword } from "./helpers.js";

const STEP = 30_000;

/** A code typed on the second-factor page the browser is on. */
async function submitCode(browser: FormBrowser, page: string, code: string) {
  const done = await browser.submit(page, { code }, { action: "/login/one-time-codes" });
  return { ...done, text: await done.response.text() };
}

describe("one-time codes as the second step of a sign-in", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("after the password, a person with an app is asked for a code; the right one signs them in", async () => {
    const who = await enrolledPerson(server);
    const { browser, page } = await heldAfterPassword(server, who);
    expect(page).toContain("Code from your authenticator app");
    expect(page).toContain('action="/login/recovery-codes"');
    const done = await submitCode(browser, page, codeAt(who.secret));
    expect(new URL(done.url).pathname).toBe("/account");
    expect(browser.cookie("frontdesk_session")).toBeDefined();
    expect(browser.cookie("frontdesk_held")).toBeUndefined();
    // This browser's session (the person also has the older one that set the app up).
    const session = await server.ctx.sessions.resolve(browser.cookie("frontdesk_session"));
    expect(session?.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(session?.acr).toBe("urn:frontdesk:acr:mfa");
  });

  it("skipping the second step: while held, the account page, the resume URL and consent let nothing through", async () => {
    const who = await enrolledPerson(server);
    const rp = await relyingParty(server, { firstParty: false });
    const browser = new FormBrowser(server.url);
    const start = await beginAuthorization(rp, browser);
    expect(new URL(start.url).pathname).toBe("/login");
    const request = new URL(start.url).searchParams.get("request") ?? "";
    const held = await browser.submit(await start.response.text(), {
      username: who.username,
      password: who.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    expect(browser.cookie("frontdesk_held")).toBeDefined();
    for (const path of ["/account", `/authorize/resume?request=${request}`, `/consent?request=${request}`]) {
      const { url, response } = await browser.follow(path);
      expect(onServer(browser, url), `${path} must not reach the client`).toBe(true);
      expect(new URL(url).pathname, path).toBe("/login");
      expect(await response.text()).toContain('name="password"');
    }
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    // The held sign-in is still there to finish with a code.
    const page = await (await browser.follow(`/login/second-factor?request=${request}`)).response.text();
    expect(page).toContain("Code from your authenticator app");
  });

  it("accepts a code from the previous time step (clock skew), refuses one two steps away", async () => {
    // The set-up took the current step, so the previous one is still unused.
    const who = await enrolledPerson(server, Date.now());
    const { browser, page } = await heldAfterPassword(server, who);
    await awayFromStepEdge();
    const past = await submitCode(browser, page, codeAt(who.secret, Date.now() - 2 * STEP));
    expect(new URL(past.url).pathname).toBe("/login/second-factor");
    expect(past.text).toContain("That code is not right");
    const future = await submitCode(browser, past.text, codeAt(who.secret, Date.now() + 3 * STEP));
    expect(future.text).toContain("That code is not right");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    await awayFromStepEdge();
    const skewed = await submitCode(browser, future.text, codeAt(who.secret, Date.now() - STEP));
    expect(new URL(skewed.url).pathname).toBe("/account");
  });

  it("a code is accepted once: the same code again (another browser, another instance) is refused", async () => {
    const who = await enrolledPerson(server);
    const code = codeAt(who.secret);
    const first = await heldAfterPassword(server, who);
    const second = await heldAfterPassword(server, who);
    // Distributed: the two uses land on different instances sharing the store.
    const [a, b] = server.instanceUrls
      ? [
          first.browser.at(server.instanceUrls[0] as string),
          second.browser.at(server.instanceUrls[1] as string),
        ]
      : [first.browser, second.browser];
    expect(new URL((await submitCode(a, first.page, code)).url).pathname).toBe("/account");
    const replayed = await submitCode(b, second.page, code);
    expect(new URL(replayed.url).pathname).toBe("/login/second-factor");
    expect(replayed.text).toContain("That code was used already");
    expect(second.browser.cookie("frontdesk_session")).toBeUndefined();
  });

  it("brute force: after five wrong codes even the right one is refused with 429 and Retry-After", async () => {
    const who = await enrolledPerson(server);
    const { browser, page } = await heldAfterPassword(server, who);
    const right = codeAt(who.secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    let current = page;
    for (let i = 0; i < 5; i++) {
      const attempt = await submitCode(browser, current, wrong);
      expect(attempt.response.status).toBe(200);
      expect(attempt.text).toContain("That code is not right");
      current = attempt.text;
    }
    const blocked = await browser.submit(current, { code: right }, { action: "/login/one-time-codes" });
    expect(blocked.response.status).toBe(429);
    expect(Number(blocked.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.response.text()).toContain("Too many wrong codes");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    // The limit is the app's codes only: a recovery code still signs the person in.
    const viaRecovery = await browser.submit(
      current,
      { code: who.recoveryCodes[0] as string },
      { action: "/login/recovery-codes" },
    );
    expect(new URL(viaRecovery.url).pathname).toBe("/account");
  });

  it("a recovery code signs in once (any case, with or without the dash); used again it is refused", async () => {
    const who = await enrolledPerson(server);
    const code = who.recoveryCodes[3] as string;
    const first = await heldAfterPassword(server, who);
    const typed = code.replace("-", "").toLowerCase();
    const done = await first.browser.submit(first.page, { code: typed }, { action: "/login/recovery-codes" });
    expect(new URL(done.url).pathname).toBe("/account");
    const session = await server.ctx.sessions.resolve(first.browser.cookie("frontdesk_session"));
    expect(session?.amr).toEqual(["pwd", "otp", "mfa"]);
    const again = await heldAfterPassword(server, who);
    const reused = await again.browser.submit(again.page, { code }, { action: "/login/recovery-codes" });
    expect(new URL(reused.url).pathname).toBe("/login/second-factor");
    expect(await reused.response.text()).toContain("That recovery code is not right, or it was used already");
    expect(again.browser.cookie("frontdesk_session")).toBeUndefined();
  });

  it("a finished sign-in's form replayed finds nothing held: no second session", async () => {
    const who = await enrolledPerson(server);
    const { browser, page } = await heldAfterPassword(server, who);
    const held = browser.cookie("frontdesk_held") as string;
    expect(new URL((await submitCode(browser, page, codeAt(who.secret))).url).pathname).toBe("/account");
    const sessions = (await server.ctx.sessions.listForUser(who.user.id)).length;
    // The whole request replayed: the held cookie and the form's CSRF pair.
    const attacker = new FormBrowser(server.url);
    attacker.setCookie("frontdesk_held", held);
    attacker.setCookie("frontdesk_csrf", browser.cookie("frontdesk_csrf") as string);
    const replay = await submitCode(attacker, page, codeAt(who.secret, Date.now() + STEP));
    // No held sign-in and no session: back to the password.
    expect(new URL(replay.url).pathname).toBe("/login");
    expect(attacker.cookie("frontdesk_session")).toBeUndefined();
    expect(await server.ctx.sessions.listForUser(who.user.id)).toHaveLength(sessions);
  });

  it("never logs a code or a secret", async () => {
    const who = await enrolledPerson(server);
    const { browser, page } = await heldAfterPassword(server, who);
    await submitCode(browser, page, "000000");
    const logged = JSON.stringify(server.logLines());
    expect(logged).not.toContain(who.secret);
    expect(logged).not.toContain("000000");
    for (const code of who.recoveryCodes) expect(logged).not.toContain(code);
  });
});
