import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { loadServerConfig } from "../../../src/main/config.js";
import { FormBrowser } from "../../helpers/browser.js";
import {
  alertText,
  beginAuthorization,
  codeFlow,
  decodePayload,
  type RelyingParty,
  relyingParty,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer, tempDir } from "../../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../../helpers/smtp.js";
import { makeUser } from "../../helpers/users.js";

const PASSWORD = "my own long passphrase";
let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The sign-in page's "Create an account" link, then the form. */
async function registrationForm(browser: FormBrowser, query = ""): Promise<string> {
  const login = await (await browser.follow(`/login${query}`)).response.text();
  const href = /<a href="([^"]+)">Create an account<\/a>/.exec(login)?.[1];
  expect(href, "the sign-in page links to registration").toBeDefined();
  const form = await browser.follow((href as string).replaceAll("&amp;", "&"));
  expect(form.response.status).toBe(200);
  return form.response.text();
}

/** Follows the verification link of a message: the confirm page, then its button. */
async function confirmAddress(browser: FormBrowser, smtp: TestSmtp, email: string) {
  const message = await smtp.waitForMessage({ to: email, subject: /confirm|verify/i });
  const opened = await browser.follow(linkIn(message, "/account/verify-email"));
  expect(opened.response.status).toBe(200);
  const done = await browser.submit(await opened.response.text(), {});
  expect(done.response.status).toBeLessThan(400);
}

describe("open registration, with the address verified first (the default)", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let rp: RelyingParty;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp({ registration: "open" }));
    rp = await relyingParty(server);
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  it("creates the account, emails a verification link, and lets applications in only once it is followed", async () => {
    const username = unique("reg");
    const email = `${username}@example.test`;
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    expect(new URL(start.url).pathname).toBe("/login");
    const form = await registrationForm(browser, new URL(start.url).search);
    const sent = await browser.submit(form, { username, email, password: PASSWORD, confirmation: PASSWORD });
    expect(sent.response.status).toBe(200);
    expect(await sent.response.text()).toContain(`We sent a message to <strong>${email}</strong>`);
    const user = await server.ctx.durable.users.getByUsername(username);
    expect(user).toMatchObject({ email, emailVerified: false, roles: [] });
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);

    // Signed in but not verified: the application waits on the confirm page.
    const pending = await codeFlowUntilPage(browser, username);
    expect(new URL(pending.url).pathname).toBe("/signup/confirm-email");
    const page = await pending.response.text();
    expect(page).toContain(`confirm that <strong>${email}</strong> is yours`);
    // "Continue" before confirming stays here and says why.
    const early = await browser.submit(page, {}, { button: { name: "action", value: "continue" } });
    expect(alertOrNotice(await early.response.text())).toMatch(/not confirmed yet/);
    // A silent request gets interaction_required.
    const silent = await beginAuthorization(rp, browser, { prompt: "none" });
    expect(new URL(silent.url).searchParams.get("error")).toBe("interaction_required");

    await confirmAddress(new FormBrowser(server.issuer), smtp, email);
    expect((await server.ctx.durable.users.get(user?.id as string))?.emailVerified).toBe(true);
    const { tokens } = await codeFlow(rp, browser, { username, password: PASSWORD });
    expect(decodePayload(tokens.id_token as string)).toMatchObject({ email, email_verified: true });
  });

  /** Signs in through an authorization request and stops at the first page after sign-in. */
  async function codeFlowUntilPage(browser: FormBrowser, username: string) {
    const start = await beginAuthorization(rp, browser);
    return browser.submit(await start.response.text(), { username, password: PASSWORD });
  }

  const alertOrNotice = (page: string) =>
    alertText(page) ?? /<p class="notice" role="status">([\s\S]*?)<\/p>/.exec(page)?.[1];

  it("the confirm page sends the message again", async () => {
    const username = unique("again");
    const email = `${username}@example.test`;
    const browser = new FormBrowser(server.issuer);
    await browser.submit(await registrationForm(browser), {
      username,
      email,
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    await smtp.waitForMessage({ to: email });
    const pending = await codeFlowUntilPage(browser, username);
    const resent = await browser.submit(
      await pending.response.text(),
      {},
      { button: { name: "action", value: "resend" } },
    );
    expect(alertOrNotice(await resent.response.text())).toBe("We sent the message again.");
    await confirmAddress(new FormBrowser(server.issuer), smtp, email);
  });

  it("answers an address that has an account like a new one, tells its owner instead, and changes nothing", async () => {
    const owner = await makeUser(server.ctx);
    const email = owner.user.email as string;
    const browser = new FormBrowser(server.issuer);
    const taken = await browser.submit(await registrationForm(browser), {
      username: unique("dup"),
      email: email.toUpperCase(),
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    const fresh = unique("new");
    const created = await browser.submit(await registrationForm(browser), {
      username: fresh,
      email: `${fresh}@example.test`,
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    const normalize = async (r: { response: Response }, address: string) =>
      [r.response.status, (await r.response.text()).replace(address, "ADDRESS")] as const;
    expect(await normalize(taken, email.toUpperCase())).toEqual(
      await normalize(created, `${fresh}@example.test`),
    );
    const notice = await smtp.waitForMessage({ to: email, subject: "You already have an account" });
    expect(notice.text).toContain("Nothing was changed.");
    expect(await server.ctx.durable.users.findByEmail(email)).toHaveLength(1);
  });

  it("refuses a taken username, saying so, and creates nothing", async () => {
    const owner = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const email = `${unique("other")}@example.test`;
    const refused = await browser.submit(await registrationForm(browser), {
      username: owner.username,
      email,
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(refused.response.status).toBe(409);
    const page = await refused.response.text();
    expect(alertText(page)).toBe("That username is taken. Choose another.");
    expect(page).toContain(`value="${email}"`);
    expect(await server.ctx.durable.users.findByEmail(email)).toEqual([]);
  });

  it("refuses weak, common, overlong and mistyped passwords, bad usernames and addresses, and forged forms", async () => {
    const browser = new FormBrowser(server.issuer);
    const form = await registrationForm(browser);
    const username = unique("weak");
    const email = `${username}@example.test`;
    const ok = { username, email, password: PASSWORD, confirmation: PASSWORD };
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ ...ok, password: "short", confirmation: "short" }, 400, /at least 8 characters/],
      [{ ...ok, password: "iloveyou1", confirmation: "iloveyou1" }, 400, /most common passwords/],
      [{ ...ok, password: "x".repeat(1025), confirmation: "x".repeat(1025) }, 400, /at most 1024/],
      [{ ...ok, confirmation: `${PASSWORD}.` }, 400, /not the same/],
      [{ ...ok, password: username, confirmation: username }, 400, /not your username/],
      [{ ...ok, username: "has space" }, 400, /letters, digits/],
      [{ ...ok, username: "" }, 400, /letters, digits/],
      [{ ...ok, email: "not-an-address" }, 400, /email address/],
      [{ ...ok, csrf: "forged" }, 403, /expired/],
    ];
    for (const [fields, status, message] of cases) {
      const refused = await browser.submit(form, fields);
      expect(refused.response.status, JSON.stringify(fields).slice(0, 80)).toBe(status);
      expect(alertText(await refused.response.text())).toMatch(message);
    }
    expect(await server.ctx.durable.users.getByUsername(username)).toBeUndefined();
    expect(smtp.messagesTo(email)).toEqual([]);
  });
});

describe("open registration without verification", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let rp: RelyingParty;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp({
      registration: "open",
      registrationRequiresVerifiedEmail: false,
    }));
    rp = await relyingParty(server);
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  it("signs the new account in at once, back into the application, and still sends the verification link", async () => {
    const username = unique("quick");
    const email = `${username}@example.test`;
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    const form = await registrationForm(browser, new URL(start.url).search);
    const done = await browser.submit(form, { username, email, password: PASSWORD, confirmation: PASSWORD });
    // First party? No: the consent page comes next, which means the request went on signed in.
    expect(new URL(done.url).pathname).toBe("/consent");
    await smtp.waitForMessage({ to: email });
    expect((await server.ctx.durable.users.getByUsername(username))?.emailVerified).toBe(false);
  });

  it("says plainly that an address has an account (nothing to hide when the answer signs in)", async () => {
    const owner = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const refused = await browser.submit(await registrationForm(browser), {
      username: unique("dup"),
      email: owner.user.email as string,
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(refused.response.status).toBe(409);
    expect(alertText(await refused.response.text())).toMatch(/An account with this email address exists/);
    expect(await server.ctx.durable.users.findByEmail(owner.user.email as string)).toHaveLength(1);
  });
});

describe("registrations from one IP", () => {
  let server: TestServer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, close } = await startTestServerWithSmtp({ registration: "open" }));
  });
  afterAll(() => close?.());

  it("are limited to 10 an hour", async () => {
    const browser = new FormBrowser(server.issuer);
    const form = await registrationForm(browser);
    const register = (username: string) =>
      browser.submit(form, {
        username,
        email: `${username}@example.test`,
        password: PASSWORD,
        confirmation: PASSWORD,
      });
    for (let i = 0; i < 10; i++) expect((await register(unique("ip"))).response.status).toBe(200);
    const username = unique("eleventh");
    const limited = await register(username);
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toBe("3600");
    expect(await server.ctx.durable.users.getByUsername(username)).toBeUndefined();
  });
});

describe.each(["closed", "invite"] as const)("registration=%s", (mode) => {
  let server: TestServer;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, close } = await startTestServerWithSmtp({ registration: mode }));
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  it("offers no registration and refuses the form, creating nothing", async () => {
    const login = await (await fetch(`${server.issuer}/login`)).text();
    expect(login).not.toContain("Create an account");
    const page = await fetch(`${server.issuer}/signup`);
    expect(page.status).toBe(403);
    expect(alertText(await page.text())).toMatch(
      mode === "invite" ? /by invitation only/ : /created by the people who run/,
    );
    const username = unique("closed");
    const posted = await fetch(`${server.issuer}/signup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        username,
        email: `${username}@example.test`,
        password: PASSWORD,
        confirmation: PASSWORD,
      }).toString(),
    });
    expect(posted.status).toBe(403);
    expect(await server.ctx.durable.users.getByUsername(username)).toBeUndefined();
  });
});

describe("registration settings", () => {
  const load = (flags: Record<string, unknown>) =>
    loadServerConfig({ env: {}, flags: { dataDir: tempDir(), ...flags } });

  it("warns at start-up when open registration does not wait for verified addresses", () => {
    expect(load({ registration: "open" }).warnings.join("\n")).not.toMatch(
      /registrationRequiresVerifiedEmail/,
    );
    expect(
      load({ registration: "open", registrationRequiresVerifiedEmail: false }).warnings.join("\n"),
    ).toMatch(/registration=open with registrationRequiresVerifiedEmail=false: anyone can create accounts/);
  });

  it("refuses an unknown mode, naming the setting and the choices", () => {
    expect(() => load({ registration: "public" })).toThrow(ConfigError);
    expect(() => load({ registration: "public" })).toThrow(/registration.*closed.*invite.*open/s);
  });

  it.skipIf(process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed")(
    "refuses to start in production without SMTP unless registration is closed",
    async () => {
      const production = {
        mode: "production" as const,
        keyEncryptionSecret: "a production key-encryption secret, 32+ chars",
      };
      await expect(startTestServer({ ...production, registration: "invite" })).rejects.toThrow(
        /registration=invite sends email .* production mode needs smtpUrl and emailFrom; set them, or set registration=closed/,
      );
      const closed = await startTestServer(production);
      await closed.close();
    },
  );
});
