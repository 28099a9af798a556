import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/tokens/opaque.js";
import { createUser, setEmail } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { clientCredentialsToken, eventually } from "../helpers/http.js";
import { alertText, codeFlow, decodePayload, type RelyingParty, relyingParty } from "../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../helpers/server.js";
import { linkIn, type ReceivedMessage, startTestServerWithSmtp, type TestSmtp } from "../helpers/smtp.js";

const PASSWORD = "correct horse battery";
let n = 0;
const fresh = () => `verify${++n}x${Date.now().toString(36)}`;

describe("email verification with a real SMTP server", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let rp: RelyingParty;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp());
    rp = await relyingParty(server);
  });
  afterAll(() => close());
  failOnErrorLogs(() => server);

  /** A user with an unverified address, sent a verification message (as `user create --email` does). */
  async function newPerson() {
    const username = fresh();
    const email = `${username}@example.test`;
    const user = await createUser(server.ctx, { username, password: PASSWORD, email });
    expect(await server.ctx.emailVerification.send(user)).toBe(true);
    const message = await smtp.waitForMessage({ to: email, subject: "Confirm your email address" });
    return { user, username, email, password: PASSWORD, message };
  }
  const stored = async (id: string) => (await server.ctx.durable.users.get(id))?.emailVerified;

  /**
   * Nothing is on its way to `email` besides what arrived: every message enqueued is
   * either received or still in the outbox (a delivered one's row may linger a moment).
   */
  async function expectNothingMoreFor(email: string, received: number) {
    const arrived = smtp.messagesTo(email);
    expect(arrived).toHaveLength(received);
    const waiting = (await server.ctx.durable.mailOutbox.list()).filter(
      (m) => m.recipient === email && !arrived.some((r) => r.messageId.startsWith(`<${m.id}@`)),
    );
    expect(waiting).toEqual([]);
  }

  /** Opens the link (GET: the confirm page) and presses its button (POST). */
  async function follow(browser: FormBrowser, link: string) {
    const page = await browser.follow(link);
    const text = await page.response.text();
    if (page.response.status !== 200) return { status: page.response.status, text };
    const done = await browser.submit(text, {}, { action: "/account/verify-email" });
    return { status: done.response.status, text: await done.response.text() };
  }

  it("sends a link built from the issuer; following it confirms the address, and the claim says so", async () => {
    const person = await newPerson();
    expect(person.message.text).toContain(`Hello ${person.username},`);
    expect(person.message.html).toContain("Confirm your email address");
    const link = linkIn(person.message, "/account/verify-email");
    expect(link.startsWith(`${server.issuer}/account/verify-email?token=`)).toBe(true);
    expect(new URL(link).searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Before: email_verified is false in the ID token and at userinfo.
    const before = await codeFlow(rp, new FormBrowser(server.issuer), person);
    expect(decodePayload(before.tokens.id_token as string)).toMatchObject({
      email: person.email,
      email_verified: false,
    });

    // A browser that is not signed in: the link alone is enough.
    const browser = new FormBrowser(server.issuer);
    const confirmPage = await browser.follow(link);
    const page = await confirmPage.response.text();
    expect(confirmPage.response.status).toBe(200);
    expect(page).toContain(person.email);
    expect(page).toContain("Confirm my email address");
    const done = await browser.submit(page, {}, { action: "/account/verify-email" });
    expect(done.response.status).toBe(200);
    expect(await done.response.text()).toContain("is confirmed as your email address");
    expect(await stored(person.user.id)).toBe(true);

    const after = await codeFlow(rp, new FormBrowser(server.issuer), person);
    expect(decodePayload(after.tokens.id_token as string)).toMatchObject({
      email: person.email,
      email_verified: true,
    });
    const userinfo = await oidc.fetchUserInfo(rp.config, after.tokens.access_token, person.user.id);
    expect(userinfo).toMatchObject({ email: person.email, email_verified: true });
  });

  it("opening the link (a mail scanner's GET) changes nothing; only the confirm button uses it", async () => {
    const person = await newPerson();
    const link = linkIn(person.message, "/account/verify-email");
    for (let i = 0; i < 3; i++) expect((await fetch(link)).status).toBe(200);
    expect(await stored(person.user.id)).toBe(false);
    expect((await follow(new FormBrowser(server.issuer), link)).status).toBe(200);
    expect(await stored(person.user.id)).toBe(true);
  });

  it("the account page shows the state and sends the message again; the newest link is the one that works", async () => {
    const person = await newPerson();
    const first = linkIn(person.message, "/account/verify-email");
    const browser = new FormBrowser(server.issuer);
    const signedIn = await browser.submit(await (await browser.request("/login")).text(), {
      username: person.username,
      password: PASSWORD,
    });
    expect(signedIn.url).toMatch(/\/account$/);
    const account = await signedIn.response.text();
    expect(account).toContain(person.email);
    expect(account).toMatch(
      /data-email-state="unverified"[^>]*>[^<]*<span class="badge warning">Not verified/,
    );
    const resent = await browser.submit(account, {}, { action: "/account/email/verify" });
    expect(resent.url).toMatch(/\/account\?notice=verification-sent$/);
    expect(await resent.response.text()).toContain("A new verification message is on its way");
    const again = await smtp.waitForMessage({ to: person.email });
    const second = linkIn(again, "/account/verify-email");
    expect(second).not.toBe(first);

    const stale = await follow(new FormBrowser(server.issuer), first);
    expect(stale.status).toBe(400);
    expect(alertText(stale.text)).toMatch(/link is incomplete, has expired, was already used/);
    expect(await stored(person.user.id)).toBe(false);
    expect((await follow(browser, second)).status).toBe(200);
    const verified = await (await browser.request("/account")).text();
    expect(verified).toMatch(/data-email-state="verified"[^>]*>[^<]*<span class="badge">Verified/);
    expect(verified).not.toContain("/account/email/verify");
    // Nothing left to verify (a stale tab's form): no message.
    const staleForm = `<form method="post" action="/account/email/verify">${/<input type="hidden" name="csrf" value="[^"]+">/.exec(verified)?.[0]}</form>`;
    const nothing = await browser.submit(staleForm, {});
    expect(nothing.url).toMatch(/notice=verification-not-needed$/);
    await expectNothingMoreFor(person.email, 2);
  });

  it("operators vouch for an address: created verified, no message", async () => {
    const username = fresh();
    const email = `${username}@example.test`;
    const user = await createUser(server.ctx, { username, password: PASSWORD, email, emailVerified: true });
    expect(await server.ctx.emailVerification.send(user)).toBe(false);
    expect(await stored(user.id)).toBe(true);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), { username, password: PASSWORD });
    expect(decodePayload(tokens.id_token as string)).toMatchObject({ email, email_verified: true });
    await expectNothingMoreFor(email, 0);
  });

  it("the admin API creates a user and sends the message (or not, with email_verified)", async () => {
    const ops = await server.client({ scopes: "frontdesk:admin" });
    const admin = await clientCredentialsToken(server, ops, { resource: `${server.issuer}/admin/api` });
    const create = (body: unknown) =>
      fetch(`${server.url}/admin/api/users`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const username = fresh();
    const email = `${username}@example.test`;
    const answer = await create({ username, password: PASSWORD, email, roles: ["viewer"] });
    expect(answer.status).toBe(200);
    const created = (await answer.json()) as { user: Record<string, unknown>; verification_sent: boolean };
    expect(created).toMatchObject({
      user: { username, email, email_verified: false, roles: ["viewer"], disabled: false },
      verification_sent: true,
    });
    const message = await smtp.waitForMessage({ to: email });
    expect(
      (await follow(new FormBrowser(server.issuer), linkIn(message, "/account/verify-email"))).status,
    ).toBe(200);
    expect(await stored(created.user.id as string)).toBe(true);

    const vouched = fresh();
    const answer2 = await create({
      username: vouched,
      email: `${vouched}@example.test`,
      email_verified: true,
    });
    expect(await answer2.json()).toMatchObject({ user: { email_verified: true }, verification_sent: false });
    // Bad input: a clear 400, nothing created.
    for (const [body, error] of [
      [{ username }, /taken/],
      [{ username: fresh(), email: "not an address" }, /email/],
      [{ username: fresh(), email_verified: true }, /give the email address/],
      [{ username: fresh(), roles: "admin" }, /roles/],
      [{ username: fresh(), extra: 1 }, /unknown field/],
      [[], /JSON object/],
    ] as const) {
      const refused = await create(body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error_description: string }).error_description).toMatch(error);
    }
    const names = (await server.ctx.durable.users.list()).map((u) => u.username);
    expect(names.filter((u) => u === username)).toHaveLength(1);
  });

  describe("links that do not work: a clear page, nothing changes", () => {
    it("a malformed or missing token", async () => {
      for (const path of [
        "/account/verify-email",
        "/account/verify-email?token=",
        "/account/verify-email?token=abc",
        `/account/verify-email?token=${"A".repeat(43)}`,
        `/account/verify-email?token=${"A".repeat(5000)}`,
        "/account/verify-email?token=a&token=b",
      ]) {
        const answer = await fetch(`${server.url}${path}`);
        expect(answer.status, path).toBe(400);
        const page = await answer.text();
        expect(page, path).toContain('role="alert"');
        expect(page, path).not.toMatch(/stack|Error:/);
      }
      // POSTing a made-up token (with a valid CSRF pair) is refused the same way.
      const person = await newPerson();
      const browser = new FormBrowser(server.issuer);
      const page = await (
        await browser.follow(linkIn(person.message, "/account/verify-email"))
      ).response.text();
      const forged = await browser.submit(
        page,
        { token: "A".repeat(43) },
        { action: "/account/verify-email" },
      );
      expect(forged.response.status).toBe(400);
      expect(await stored(person.user.id)).toBe(false);
    });

    it("an expired link (a day old)", async () => {
      const person = await newPerson();
      const link = linkIn(person.message, "/account/verify-email");
      const token = new URL(link).searchParams.get("token") as string;
      // The link's day has passed: its stored expiry is now.
      await server.ctx.durable
        .featureTables<{ account_links: { token_hash: string; expires_at: number } }>()
        .updateTable("account_links")
        .set({ expires_at: Math.floor(Date.now() / 1000) })
        .where("token_hash", "=", hashToken(token))
        .execute();
      const answer = await follow(new FormBrowser(server.issuer), link);
      expect(answer.status).toBe(400);
      expect(alertText(answer.text)).toMatch(/has expired/);
      expect(await stored(person.user.id)).toBe(false);
    });

    it("a link used twice", async () => {
      const person = await newPerson();
      const browser = new FormBrowser(server.issuer);
      const link = linkIn(person.message, "/account/verify-email");
      const page = await (await browser.follow(link)).response.text();
      expect((await browser.submit(page, {}, { action: "/account/verify-email" })).response.status).toBe(200);
      const replay = await browser.submit(page, {}, { action: "/account/verify-email" });
      expect(replay.response.status).toBe(400);
      expect((await fetch(link)).status).toBe(400);
      // Verified once, and the second use changed nothing else.
      const user = await server.ctx.durable.users.get(person.user.id);
      expect(user).toMatchObject({ email: person.email, emailVerified: true });
    });

    it("a link for an address the user no longer has", async () => {
      const person = await newPerson();
      const link = linkIn(person.message, "/account/verify-email");
      const browser = new FormBrowser(server.issuer);
      const page = await (await browser.follow(link)).response.text();
      const changed = `${fresh()}@example.test`;
      await setEmail(server.ctx, person.user, changed);
      expect((await fetch(link)).status).toBe(400);
      const refused = await browser.submit(page, {}, { action: "/account/verify-email" });
      expect(refused.response.status).toBe(400);
      expect(await server.ctx.durable.users.get(person.user.id)).toMatchObject({
        email: changed,
        emailVerified: false,
      });
      // Changing it back does not revive the link: it was used up by the refused attempt.
      await setEmail(server.ctx, { ...person.user, email: changed }, person.email);
      expect((await fetch(link)).status).toBe(400);
    });

    it("a confirmation without the form's CSRF token is refused and leaves the link usable", async () => {
      const person = await newPerson();
      const link = linkIn(person.message, "/account/verify-email");
      const token = new URL(link).searchParams.get("token") as string;
      const forged = await fetch(`${server.url}/account/verify-email`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(forged.status).toBe(403);
      expect(await stored(person.user.id)).toBe(false);
      expect((await follow(new FormBrowser(server.issuer), link)).status).toBe(200);
    });
  });

  it("a flood of resend requests: three an hour, then 429 with Retry-After and no message", async () => {
    const person = await newPerson();
    const browser = new FormBrowser(server.issuer);
    const account = (
      await browser.submit(await (await browser.request("/login")).text(), {
        username: person.username,
        password: PASSWORD,
      })
    ).response;
    const page = await account.text();
    const messages: ReceivedMessage[] = [];
    for (let i = 0; i < 3; i++) {
      const resent = await browser.submit(page, {}, { action: "/account/email/verify" });
      expect(resent.url).toMatch(/notice=verification-sent$/);
      messages.push(await smtp.waitForMessage({ to: person.email }));
    }
    const limited = await browser.submit(page, {}, { action: "/account/email/verify" });
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("3600");
    expect(alertText(await limited.response.text())).toMatch(/At most 3 verification messages/);
    // Nothing was enqueued: four messages arrived, and no other is on its way.
    await expectNothingMoreFor(person.email, 4);
    // The last link sent still works.
    const last = messages.at(-1) as ReceivedMessage;
    expect((await follow(browser, linkIn(last, "/account/verify-email"))).status).toBe(200);
    // Signed out, the resend form sends the browser to sign in.
    const anonymous = await fetch(`${server.url}/account/email/verify`, {
      method: "POST",
      redirect: "manual",
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/login");
    await eventually(async () =>
      (await server.ctx.durable.mailOutbox.list()).length === 0 ? true : undefined,
    );
  });
});
