import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disableUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { clientCredentialsToken, runCli } from "../../helpers/http.js";
import { beginAuthorization, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";

const MFA = "urn:frontdesk:acr:mfa";

/** A browser holding a live password-only session of the user (signed in before any setting asked for more). */
async function passwordSession(server: TestServer, userId: string): Promise<FormBrowser> {
  const { token } = await server.ctx.sessions.create({
    userId,
    amr: ["pwd"],
    acr: "urn:frontdesk:acr:sfa",
    userAgent: "test",
    ip: "127.0.0.1",
  });
  const browser = new FormBrowser(server.url);
  browser.setCookie("frontdesk_session", token);
  return browser;
}

describe("features.secondFactor.require = administrators", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { secondFactor: { require: "administrators" } } });
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("an administrator's password is not enough: held, asked to set up a second factor, no session", async () => {
    const admin = await makeUser(server.ctx);
    await server.ctx.durable.users.update(admin.user.id, { roles: ["frontdesk:admin"] });
    const browser = new FormBrowser(server.url);
    const login = await browser.follow("/login?return_to=/admin");
    const held = await browser.submit(await login.response.text(), {
      username: admin.username,
      password: admin.password,
    });
    expect(new URL(held.url).pathname).toBe("/login/second-factor");
    expect(await held.response.text()).toContain('action="/login/one-time-codes/enrol"');
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    const page = await browser.request("/admin");
    expect([page.status, page.headers.get("location")]).toEqual([303, "/login?return_to=%2Fadmin"]);
  });

  it("an administrator's live password-only session steps up before the admin pages", async () => {
    const admin = await makeUser(server.ctx);
    await server.ctx.durable.users.update(admin.user.id, { roles: ["frontdesk:admin"] });
    const browser = await passwordSession(server, admin.user.id);
    const page = await browser.request("/admin");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login/second-factor?return_to=%2Fadmin");
  });

  it("someone without the role signs in with the password alone", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.url);
    const login = await browser.follow("/login");
    const done = await browser.submit(await login.response.text(), {
      username: person.username,
      password: person.password,
    });
    expect(new URL(done.url).pathname).toBe("/account");
  });
});

describe("a client registered with default_acr_values (client create --acr)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it("a password-only session is sent to the second-factor page even when the request asks for nothing, or for less", async () => {
    const person = await makeUser(server.ctx);
    const rp = await relyingParty(server, { firstParty: true, metadata: { defaultAcrValues: [MFA] } });
    const plain = await relyingParty(server, { firstParty: true });
    for (const params of [{}, { acr_values: "urn:frontdesk:acr:sfa" }] as Record<string, string>[]) {
      const browser = await passwordSession(server, person.user.id);
      const start = await beginAuthorization(rp, browser, params);
      expect(new URL(start.url).pathname).toBe("/login/second-factor");
      // The same session goes straight through for a client without the requirement.
      const other = await beginAuthorization(plain, browser);
      expect(new URL(other.url).searchParams.get("code")).toBeTruthy();
    }
  });

  it("a refused request is returned at once to a signed-in browser: the client's level does not hold back its error", async () => {
    const person = await makeUser(server.ctx);
    const rp = await relyingParty(server, { firstParty: true, metadata: { defaultAcrValues: [MFA] } });
    const browser = await passwordSession(server, person.user.id);
    const start = await beginAuthorization(rp, browser, { scope: "openid not-a-scope-of-this-client" });
    const callback = new URL(start.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(rp.redirectUri);
    expect(callback.searchParams.get("error")).toBe("invalid_scope");
  });
});

describe("the second-factor page and the reset refuse what they cannot act on", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { secondFactor: { require: "everyone" } } });
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  async function held() {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.url);
    const login = await browser.follow("/login");
    const page = await browser.submit(await login.response.text(), {
      username: person.username,
      password: person.password,
    });
    expect(new URL(page.url).pathname).toBe("/login/second-factor");
    return { person, browser, page: await page.response.text() };
  }

  it("Cancel without the form's CSRF token: 403, and the sign-in stays held", async () => {
    const { browser, page } = await held();
    const forged = await browser.submit(page, { csrf: "forged" }, { action: "/login/second-factor/cancel" });
    expect(forged.response.status).toBe(403);
    expect(browser.cookie("frontdesk_held")).toBeDefined();
    expect(new URL((await browser.follow("/login/second-factor")).url).pathname).toBe("/login/second-factor");
  });

  it("a person disabled while their sign-in is held is sent back to sign-in, and the held sign-in is dropped", async () => {
    const { person, browser } = await held();
    await disableUser(server.ctx, person.user);
    const again = await browser.follow("/login/second-factor");
    expect(new URL(again.url).pathname).toBe("/login");
    expect(browser.cookie("frontdesk_held")).toBeUndefined();
  });

  it("a reset of a user who does not exist: 404 from the admin API, exit 1 from the CLI, nothing changed", async () => {
    const admin = await server.client({ scopes: "frontdesk:admin" });
    const token = await clientCredentialsToken(server, admin, { resource: `${server.issuer}/admin/api` });
    const answer = await fetch(`${server.issuer}/admin/api/users/nobody-here/reset-mfa`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect([answer.status, ((await answer.json()) as { error?: string }).error]).toEqual([404, "not_found"]);
    const cli = await runCli(["user", "reset-mfa", "nobody-here", "--data-dir", server.dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("no user nobody-here");
  });
});
