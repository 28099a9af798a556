import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
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
