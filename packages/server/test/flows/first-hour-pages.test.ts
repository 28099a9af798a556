import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { codeFlow, decodePayload, relyingParty } from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { signIn } from "../helpers/sign-in.js";
import { makeUser } from "../helpers/users.js";

describe("pages a new user meets in the first hour", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("the account page's Sign out ends the session at once, with no second confirmation", async () => {
    const person = await makeUser(server.ctx);
    const browser = await signIn(server.url, person.username, person.password);
    const account = await (await browser.request("/account")).text();
    const done = await browser.submit(account, {}, { action: "/account/sign-out" });
    expect(done.response.status).toBe(200);
    expect(await done.response.text()).toContain("You are signed out");
    expect((await browser.request("/account")).headers.get("location")).toBe("/login");
    expect(await server.ctx.sessions.listForUser(person.user.id)).toHaveLength(0);
  });

  it("the account page's Sign out needs the form's CSRF token", async () => {
    const person = await makeUser(server.ctx);
    const browser = await signIn(server.url, person.username, person.password);
    const forged = await browser.request("/account/sign-out", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=forged",
    });
    expect(forged.status).toBe(403);
    expect(await server.ctx.sessions.listForUser(person.user.id)).toHaveLength(1);
  });

  it("the consent page links to the account page", async () => {
    const rp = await relyingParty(server, { name: "Linked App" });
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.url);
    const start = await browser.follow(
      `/authorize?${new URLSearchParams({
        response_type: "code",
        client_id: rp.id,
        redirect_uri: rp.redirectUri,
        scope: "openid",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
      })}`,
    );
    const consent = await browser.submit(await start.response.text(), {
      username: person.username,
      password: person.password,
    });
    expect(new URL(consent.url).pathname).toBe("/consent");
    expect(await consent.response.text()).toMatch(/<a href="\/account">your account page<\/a>/);
  });

  it("the Not allowed page offers to sign in as someone else", async () => {
    await createUser(server.ctx, {
      username: "boss",
      password: "boss password!",
      roles: ["frontdesk:admin"],
    });
    const person = await makeUser(server.ctx);
    const browser = await signIn(server.url, person.username, person.password);
    const denied = await browser.request("/admin");
    expect(denied.status).toBe(403);
    const page = await denied.text();
    expect(page).toContain(`signed in as <strong>${person.username}</strong>`);
    const switched = await browser.submit(page, {}, { action: "/account/sign-out" });
    expect(new URL(switched.url).pathname).toBe("/login");
    expect(new URL(switched.url).searchParams.get("return_to")).toBe("/admin");
    const admin = await browser.submit(await switched.response.text(), {
      username: "boss",
      password: "boss password!",
    });
    expect(new URL(admin.url).pathname).toBe("/admin");
    expect(admin.response.status).toBe(200);
  });

  it("the Disabled badge does not look like This device", async () => {
    await createUser(server.ctx, {
      username: "boss2",
      password: "boss password!",
      roles: ["frontdesk:admin"],
    });
    const off = await makeUser(server.ctx);
    await server.ctx.durable.users.update(off.user.id, { disabled: true });
    const admin = await signIn(server.url, "boss2", "boss password!");
    const page = await (await admin.request("/admin")).text();
    expect(page).toContain('<span class="badge warning">Disabled</span>');
    const account = await (await admin.request("/account")).text();
    expect(account).toContain('<span class="badge">This device</span>');
  });

  it("serves /favicon.ico (no 404 in every browser's console)", async () => {
    const response = await fetch(`${server.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/svg+xml");
    expect(await response.text()).toMatch(/^<svg /);
  });

  it("the ID token carries the granted profile and email claims (relying parties like Auth.js read only it)", async () => {
    const rp = await relyingParty(server, { name: "Claims App" });
    const person = await makeUser(server.ctx);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.url), person);
    const claims = decodePayload(tokens.id_token as string);
    expect(claims).toMatchObject({
      sub: person.user.id,
      preferred_username: person.username,
      name: person.username,
      email: `${person.username}@example.test`,
      email_verified: false,
    });
    const narrow = await codeFlow(rp, new FormBrowser(server.url), person, { scope: "openid" });
    expect(decodePayload(narrow.tokens.id_token as string)).not.toHaveProperty("email");
    expect(decodePayload(narrow.tokens.id_token as string)).not.toHaveProperty("preferred_username");
  });
});

describe("idTokenProfileClaims=false keeps the ID token minimal", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ idTokenProfileClaims: false });
  });
  afterAll(() => server.close());

  it("leaves profile claims to UserInfo", async () => {
    const rp = await relyingParty(server);
    const person = await makeUser(server.ctx);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.url), person);
    const claims = decodePayload(tokens.id_token as string);
    expect(claims).not.toHaveProperty("email");
    expect(claims).not.toHaveProperty("preferred_username");
  });
});
