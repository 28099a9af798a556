import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountLinks } from "../../../src/users/account-links.js";
import { passwordFingerprint, replacePassword } from "../../../src/users/password-changes.js";
import { verifyPassword } from "../../../src/users/passwords.js";
import { FormBrowser } from "../../helpers/browser.js";
import type { TestUser } from "../../helpers/oidc.js";
import {
  accountStatus,
  alertText,
  codeFlow,
  introspect,
  type RelyingParty,
  relyingParty,
  tokenRequest,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../../helpers/smtp.js";
import { makeUser } from "../../helpers/users.js";

const NEW_PASSWORD = "a brand new passphrase";

/** The visible text of a page, tags removed and space collapsed. */
const textOf = (page: string) => page.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("password reset", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let rp: RelyingParty;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp({
      // Every test asks from 127.0.0.1: the per-IP limit has its own test below.
      features: { passwordReset: { enabled: true, requestsPerIp: 1000 } },
    }));
    rp = await relyingParty(server);
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  /** From the sign-in page: "Forgot password?", then the form with `identifier`. */
  async function askForLink(browser: FormBrowser, identifier: string) {
    const login = await browser.follow("/login");
    const page = await login.response.text();
    const href = /<a href="([^"]+)">Forgot password\?<\/a>/.exec(page)?.[1];
    expect(href, "the sign-in page links to the reset form").toBe("/login/forgot");
    const form = await browser.follow(href as string);
    return browser.submit(await form.response.text(), { identifier });
  }

  /** Opens the emailed link and submits the new password (twice). */
  async function followLink(
    browser: FormBrowser,
    link: string,
    password = NEW_PASSWORD,
    confirmation = password,
  ) {
    const opened = await browser.follow(link);
    expect(opened.response.status).toBe(200);
    return browser.submit(await opened.response.text(), { password, confirmation });
  }

  async function resetMessage(person: TestUser) {
    return smtp.waitForMessage({ to: person.user.email as string, subject: "Reset your password" });
  }

  it("walks from the sign-in page to a new password: the emailed link, the form, signed out everywhere, told by email", async () => {
    const person = await makeUser(server.ctx);
    // Before: a browser with a session, and an application holding tokens.
    const elsewhere = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, elsewhere, person);
    expect(await accountStatus(elsewhere)).toBe(200);

    const browser = new FormBrowser(server.issuer);
    const asked = await askForLink(browser, person.username);
    expect(asked.response.status).toBe(200);
    const answer = textOf(await asked.response.text());
    expect(answer).toContain(
      `If an account exists for ${person.username} , we sent a link to its email address.`,
    );

    const message = await resetMessage(person);
    expect(message.text).toContain(`your account ${person.username}`);
    expect(message.text).toContain("within 15 minutes");
    expect(message.html).toContain("Choose a new password");
    const link = linkIn(message, "/login/reset");
    expect(new URL(link).origin).toBe(new URL(server.issuer).origin);

    const done = await followLink(browser, link);
    expect(new URL(done.url).pathname).toBe("/login");
    const login = await done.response.text();
    expect(login).toContain("Your new password is set");
    expect(login).toContain(`value="${person.username}"`);

    // The new password signs in, the old one does not.
    const stored = await server.ctx.durable.users.get(person.user.id);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored?.passwordHash ?? undefined, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(stored?.passwordHash ?? undefined, person.password)).toBe(false);
    const signedIn = await browser.submit(login, { username: person.username, password: NEW_PASSWORD });
    expect(new URL(signedIn.url).pathname).toBe("/account");

    // Everything held before is revoked: the session, the refresh token, the access token.
    expect(await accountStatus(elsewhere)).toBe(303);
    const refreshed = await tokenRequest(server, rp, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token as string,
    });
    expect([refreshed.status, refreshed.json?.error]).toEqual([400, "invalid_grant"]);
    expect((await introspect(server, rp, tokens.access_token)).active).toBe(false);

    const notice = await smtp.waitForMessage({
      to: person.user.email as string,
      subject: "Your password was changed",
    });
    expect(notice.text).toContain("with a password reset link sent to this address");
    expect(notice.text).toContain("You were signed out everywhere.");
  });

  it("finds the account by email address too, in any letter case", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await askForLink(browser, (person.user.email as string).toUpperCase());
    const done = await followLink(browser, linkIn(await resetMessage(person), "/login/reset"));
    expect(new URL(done.url).pathname).toBe("/login");
  });

  it("answers an unknown name or address exactly as a known one, and sends nothing", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const normalized = async (identifier: string) => {
      const asked = await askForLink(browser, identifier);
      return {
        status: asked.response.status,
        url: asked.url,
        body: (await asked.response.text()).replaceAll(identifier, "IDENTIFIER"),
      };
    };
    const unknownAddress = `nobody-${person.username}@example.test`;
    const unknown = await normalized(unknownAddress);
    const unknownName = await normalized(`nobody-${person.username}`);
    const known = await normalized(person.username);
    expect(unknown).toEqual(known);
    expect(unknownName).toEqual(known);
    // The known request was answered last; once its message is here, the others' work is done too.
    await resetMessage(person);
    expect(smtp.messagesTo(unknownAddress)).toEqual([]);
  });

  // Same timing for known and unknown addresses, shown by order rather than by a stopwatch: the
  // answer is sent while the account lookup is still held back, so nothing about the account can
  // shape it. In-process only: the gate is on this process's store.
  it.skipIf(process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed")(
    "answers before it looks the account up: a held-back lookup does not hold back the answer",
    async () => {
      const person = await makeUser(server.ctx);
      const users = server.ctx.durable.users;
      const { findByEmail, getByUsername } = users;
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const held: string[] = [];
      users.findByEmail = async (email) => {
        held.push("email");
        await gate;
        return findByEmail.call(users, email);
      };
      users.getByUsername = async (username) => {
        held.push("username");
        await gate;
        return getByUsername.call(users, username);
      };
      try {
        const browser = new FormBrowser(server.issuer);
        const page = await (await browser.request("/login/forgot")).text();
        for (const identifier of [person.user.email as string, person.username, "nobody@example.test"]) {
          const answer = await browser.submit(page, { identifier });
          expect([identifier, answer.response.status]).toEqual([identifier, 200]);
          expect(await answer.response.text()).toContain("If an account exists");
        }
      } finally {
        release();
        users.findByEmail = findByEmail;
        users.getByUsername = getByUsername;
      }
      // The lookups did run, after the answers; the person's links then arrive.
      expect(held.sort()).toEqual(["email", "email", "username"]);
      await resetMessage(person);
    },
  );

  it("the emailed link carries where to go back (a local path) but never the requester's authorization request", async () => {
    const person = await makeUser(server.ctx);
    const requester = new FormBrowser(server.issuer);
    const form = await requester.follow("/login/forgot?request=someone-elses-request&return_to=/app/inbox");
    await requester.submit(await form.response.text(), { identifier: person.username });
    const link = linkIn(await resetMessage(person), "/login/reset");
    const owner = new FormBrowser(server.issuer);
    const opened = await owner.follow(link);
    const done = await owner.request("/login/reset", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        ...Object.fromEntries(
          [
            ...(await opened.response.text()).matchAll(
              /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
            ),
          ].map((m) => [m[1] as string, m[2] as string]),
        ),
        password: NEW_PASSWORD,
        confirmation: NEW_PASSWORD,
      }).toString(),
    });
    expect(done.status).toBe(303);
    const location = new URL(done.headers.get("location") as string, server.issuer);
    expect(location.pathname).toBe("/login");
    expect(location.searchParams.get("return_to")).toBe("/app/inbox");
    expect(location.searchParams.has("request")).toBe(false);
  });

  it("a used link does not work again, and changes nothing", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await askForLink(browser, person.username);
    const link = linkIn(await resetMessage(person), "/login/reset");
    await followLink(browser, link);
    const hash = (await server.ctx.durable.users.get(person.user.id))?.passwordHash;

    const again = await browser.follow(link);
    expect(again.response.status).toBe(400);
    const page = await again.response.text();
    expect(alertText(page)).toBe("This password reset link is invalid, has expired or was already used.");
    expect(page).toContain('href="/login/forgot"');
    expect((await server.ctx.durable.users.get(person.user.id))?.passwordHash).toBe(hash);
  });

  it("an expired link (issued 15 minutes ago) does not work", async () => {
    const person = await makeUser(server.ctx);
    const fifteenMinutesAgo = () => Math.floor(Date.now() / 1000) - 15 * 60;
    const past = new AccountLinks(server.ctx.durable.accountLinks, server.issuer, fifteenMinutesAgo);
    const token = await past.issue({
      purpose: "reset-password",
      userId: person.user.id,
      email: person.user.email as string,
      ttlSeconds: 15 * 60,
      bindTo: passwordFingerprint(person.user),
    });
    const browser = new FormBrowser(server.issuer);
    const opened = await browser.follow(`/login/reset?token=${token}`);
    expect(opened.response.status).toBe(400);
    expect(alertText(await opened.response.text())).toMatch(/invalid, has expired or was already used/);
  });

  it("malformed and unknown links get the same refusal, and use nothing up", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await askForLink(browser, person.username);
    const link = new URL(linkIn(await resetMessage(person), "/login/reset"));
    const token = link.searchParams.get("token") as string;
    for (const path of [
      "/login/reset",
      "/login/reset?token=",
      `/login/reset?token=${token.slice(0, -1)}`,
      `/login/reset?token=${token}x`,
      `/login/reset?token=${"A".repeat(43)}`,
      `/login/reset?token=${"x".repeat(5000)}`,
    ]) {
      const opened = await browser.follow(path);
      expect(opened.response.status, path).toBe(400);
      expect(alertText(await opened.response.text()), path).toMatch(
        /invalid, has expired or was already used/,
      );
    }
    // Posting a made-up token changes nothing either.
    const form = await (await browser.follow(link.toString())).response.text();
    const forged = await browser.submit(form, {
      token: "A".repeat(43),
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(forged.response.status).toBe(400);
    expect((await server.ctx.durable.users.get(person.user.id))?.passwordHash).toBe(person.user.passwordHash);
    // The real link still works: none of that used it up.
    expect((await browser.follow(link.toString())).response.status).toBe(200);
  });

  it("a second request, or a password change, makes earlier links stop working", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await askForLink(browser, person.username);
    const first = linkIn(await resetMessage(person), "/login/reset");
    await askForLink(browser, person.username);
    const second = linkIn(await resetMessage(person), "/login/reset");
    expect((await browser.follow(first)).response.status).toBe(400);
    expect((await browser.follow(second)).response.status).toBe(200);

    const user = await server.ctx.durable.users.get(person.user.id);
    await replacePassword(server.ctx, user as NonNullable<typeof user>, "changed on the account page");
    expect((await browser.follow(second)).response.status).toBe(400);
  });

  it("refuses a weak, common, overlong or mistyped new password and keeps the link usable", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await askForLink(browser, person.username);
    const link = linkIn(await resetMessage(person), "/login/reset");
    const hash = person.user.passwordHash;
    const cases: [string, string, RegExp][] = [
      ["short", "short", /at least 8 characters/],
      ["Password123", "Password123", /one of the most common passwords/],
      ["p".repeat(1025), "p".repeat(1025), /at most 1024 characters/],
      [NEW_PASSWORD, `${NEW_PASSWORD}!`, /not the same/],
      [person.username, person.username, /not your username/],
    ];
    for (const [password, confirmation, message] of cases) {
      const refused = await followLink(browser, link, password, confirmation);
      expect(refused.response.status, password.slice(0, 20)).toBe(400);
      expect(alertText(await refused.response.text())).toMatch(message);
      expect((await server.ctx.durable.users.get(person.user.id))?.passwordHash).toBe(hash);
    }
    const done = await followLink(browser, link);
    expect(new URL(done.url).pathname).toBe("/login");
  });

  it("refuses a form without its CSRF token, and an empty request", async () => {
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login/forgot")).text();
    const empty = await browser.submit(page, { identifier: "  " });
    expect(empty.response.status).toBe(400);
    expect(alertText(await empty.response.text())).toBe("Enter your username or email address.");
    const forged = await browser.submit(page, { identifier: "someone", csrf: "forged" });
    expect(forged.response.status).toBe(403);
  });

  it("limits requests per address, whether or not it has an account", async () => {
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login/forgot")).text();
    const address = `limited-${Date.now()}@example.test`;
    for (let i = 0; i < 5; i++)
      expect((await browser.submit(page, { identifier: address })).response.status).toBe(200);
    const limited = await browser.submit(page, { identifier: address.toUpperCase() });
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("3600");
    expect(alertText(await limited.response.text())).toMatch(/Too many reset requests/);
  });
});

describe("password reset requests from one IP", () => {
  let server: TestServer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, close } = await startTestServerWithSmtp({
      features: { passwordReset: { enabled: true, requestsPerIp: 3 } },
    }));
  });
  afterAll(() => close?.());

  it("are limited over all names, known or not", async () => {
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login/forgot")).text();
    for (let i = 0; i < 3; i++)
      expect((await browser.submit(page, { identifier: `someone-${i}` })).response.status).toBe(200);
    const limited = await browser.submit(page, { identifier: "someone-else" });
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("3600");
  });
});

describe("password reset, when off (the default)", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp());
  });
  afterAll(() => close?.());

  it("is not offered and not served", async () => {
    const login = await (await fetch(`${server.issuer}/login`)).text();
    expect(login).not.toContain("Forgot password?");
    expect((await fetch(`${server.issuer}/login/forgot`)).status).toBe(404);
    expect(smtp.received).toEqual([]);
  });
});

describe("password reset in production", () => {
  // In-process only: the distributed harness starts its own processes.
  it.skipIf(process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed")(
    "refuses to start without SMTP, naming what to set",
    async () => {
      await expect(
        startTestServer({
          mode: "production",
          keyEncryptionSecret: "a production key-encryption secret, 32+ chars",
          features: { passwordReset: { enabled: true } },
        }),
      ).rejects.toThrow(/features\.passwordReset sends email: production mode needs smtpUrl/);
    },
  );
});
