import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountLinks } from "../../../src/users/account-links.js";
import { FormBrowser } from "../../helpers/browser.js";
import { clientCredentialsToken, runCli } from "../../helpers/http.js";
import { alertText, codeFlow, decodePayload, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../../helpers/smtp.js";
import { makeUser } from "../../helpers/users.js";

const PASSWORD = "invited person's passphrase";
let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

describe("invitations (registration=invite)", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let admin: string;

  beforeAll(async () => {
    ({ server, smtp, close } = await startTestServerWithSmtp({ registration: "invite" }));
    const ops = await server.client({ scopes: "frontdesk:admin" });
    admin = await clientCredentialsToken(server, ops, { resource: `${server.issuer}/admin/api` });
  });
  afterAll(() => close?.());
  failOnErrorLogs(() => server);

  const invite = (fields: Record<string, unknown>, token = admin) =>
    fetch(`${server.issuer}/admin/api/users/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(fields),
    });

  async function invitationLink(email: string): Promise<string> {
    const message = await smtp.waitForMessage({ to: email, subject: /You are invited/ });
    expect(message.text).toContain("within 7 days");
    return linkIn(message, "/signup/invitation");
  }

  it("the admin API emails a link; the person chooses a username and password and is signed in, address verified, with the roles", async () => {
    const email = `${unique("inv")}@example.test`;
    const answer = await invite({ email, roles: ["editor", "viewer"] });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { invited: string; expires_at: number };
    expect(body.invited).toBe(email);
    expect(body.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(7 * 86_400 - 60);

    const browser = new FormBrowser(server.issuer);
    const opened = await browser.follow(await invitationLink(email));
    expect(opened.response.status).toBe(200);
    const page = await opened.response.text();
    expect(page).toContain(`create an account for <strong>${email}</strong>`);
    const username = unique("newbie");
    const done = await browser.submit(page, { username, password: PASSWORD, confirmation: PASSWORD });
    expect(new URL(done.url).pathname).toBe("/account");
    const user = await server.ctx.durable.users.getByUsername(username);
    expect(user).toMatchObject({ email, emailVerified: true, roles: ["editor", "viewer"] });
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);

    // The ID token says the address is verified.
    const rp = await relyingParty(server);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), { username, password: PASSWORD });
    expect(decodePayload(tokens.id_token as string)).toMatchObject({ email, email_verified: true });
  });

  it("an invitation that names the username fixes it", async () => {
    const email = `${unique("named")}@example.test`;
    const username = unique("fixed");
    expect((await invite({ email, username })).status).toBe(200);
    const browser = new FormBrowser(server.issuer);
    const opened = await browser.follow(await invitationLink(email));
    const page = await opened.response.text();
    expect(page).toContain(`readonly value="${username}"`);
    const done = await browser.submit(page, {
      username: "something-else",
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(new URL(done.url).pathname).toBe("/account");
    expect(await server.ctx.durable.users.getByUsername(username)).toBeDefined();
    expect(await server.ctx.durable.users.getByUsername("something-else")).toBeUndefined();
  });

  it("a used invitation does not work again; an expired or malformed one neither", async () => {
    const email = `${unique("once")}@example.test`;
    await invite({ email });
    const link = await invitationLink(email);
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.follow(link)).response.text();
    await browser.submit(page, { username: unique("once"), password: PASSWORD, confirmation: PASSWORD });
    const users = (await server.ctx.durable.users.list()).length;

    const again = await new FormBrowser(server.issuer).follow(link);
    expect(again.response.status).toBe(400);
    expect(alertText(await again.response.text())).toBe(
      "This invitation link is invalid, has expired or was already used.",
    );
    // Posting the old form again creates nothing either.
    const replay = await browser.submit(page, {
      username: unique("replay"),
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(replay.response.status).toBe(400);
    expect((await server.ctx.durable.users.list()).length).toBe(users);

    const weekAgo = () => Math.floor(Date.now() / 1000) - 7 * 86_400;
    const expired = await new AccountLinks(server.ctx.durable.accountLinks, server.issuer, weekAgo).issue({
      purpose: "invitation",
      email: `${unique("late")}@example.test`,
      ttlSeconds: 7 * 86_400,
    });
    for (const path of [
      `/signup/invitation?token=${expired}`,
      "/signup/invitation?token=nope",
      "/signup/invitation",
    ])
      expect((await fetch(`${server.issuer}${path}`)).status, path).toBe(400);
  });

  it("refuses weak passwords and taken usernames on the invitation page, keeping the link usable", async () => {
    const owner = await makeUser(server.ctx);
    const email = `${unique("careful")}@example.test`;
    await invite({ email });
    const link = await invitationLink(email);
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.follow(link)).response.text();
    const username = unique("careful");
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ username, password: "password1", confirmation: "password1" }, 400, /most common/],
      [{ username, password: "short", confirmation: "short" }, 400, /at least 8/],
      [{ username: owner.username, password: PASSWORD, confirmation: PASSWORD }, 409, /username is taken/],
      [{ username: "no spaces allowed", password: PASSWORD, confirmation: PASSWORD }, 400, /letters, digits/],
      [{ username, password: PASSWORD, confirmation: PASSWORD, csrf: "forged" }, 403, /expired/],
    ];
    for (const [fields, status, message] of cases) {
      const refused = await browser.submit(page, fields);
      expect(refused.response.status, JSON.stringify(fields)).toBe(status);
      expect(alertText(await refused.response.text())).toMatch(message);
    }
    expect(await server.ctx.durable.users.findByEmail(email)).toEqual([]);
    const done = await browser.submit(page, { username, password: PASSWORD, confirmation: PASSWORD });
    expect(new URL(done.url).pathname).toBe("/account");
  });

  it("the admin API refuses bad invitations with invalid_request, sending nothing", async () => {
    const owner = await makeUser(server.ctx);
    const cases: [unknown, RegExp][] = [
      [{}, /email: required/],
      [[], /must be a JSON object/],
      [{ email: "a@example.test", admin: true }, /unknown field\(s\) admin/],
      [{ email: "a@example.test", roles: "editor" }, /roles: a list of strings/],
      [{ email: "not an address" }, /not an e-mail address/],
      [{ email: owner.user.email as string }, /already has an account/],
      [{ email: `${unique("x")}@example.test`, username: owner.username }, /is taken/],
      [{ email: `${unique("x")}@example.test`, username: "bad name" }, /username/],
    ];
    const before = smtp.received.length;
    for (const [fields, message] of cases) {
      const answer = await invite(fields as Record<string, unknown>);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      const body = (await answer.json()) as { error: string; error_description: string };
      expect(body.error).toBe("invalid_request");
      expect(body.error_description).toMatch(message);
    }
    expect((await invite({ email: "a@example.test" }, "not-a-token")).status).toBe(401);
    expect(smtp.received.length).toBe(before);
  });

  it.skipIf(distributed)("`frontdesk user invite` emails the link through the server's outbox", async () => {
    const email = `${unique("cli")}@example.test`;
    const result = await runCli(
      [
        "user",
        "invite",
        "--email",
        email,
        "--roles",
        "ops",
        "--username",
        unique("cliuser"),
        "--json",
        "--data-dir",
        server.dataDir,
      ],
      {
        FRONTDESK_ISSUER: server.issuer,
        FRONTDESK_SMTP_URL: smtp.url,
        FRONTDESK_EMAIL_FROM: "Frontdesk <no-reply@frontdesk.test>",
        FRONTDESK_REGISTRATION: "invite",
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { invited: string; expires_at: number };
    expect(out.invited).toBe(email);
    // The CLI only enqueues; the running server's worker delivers it.
    const link = await invitationLink(email);
    expect((await fetch(link)).status).toBe(200);
    expect(result.stdout + result.stderr).not.toContain(new URL(link).searchParams.get("token"));
  });
});

describe.skipIf(distributed)("invitations while registration is closed", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("are refused by the CLI, naming the setting, and no page takes them", async () => {
    const result = await runCli([
      "user",
      "invite",
      "--email",
      "someone@example.test",
      "--data-dir",
      server.dataDir,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/registration is closed: set registration to invite/);
    expect((await fetch(`${server.issuer}/signup/invitation?token=${"A".repeat(43)}`)).status).toBe(404);
  });
});
