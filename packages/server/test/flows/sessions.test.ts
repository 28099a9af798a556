import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import { accountStatus, type Person, sha256hex, signIn, sleep, type TestUser } from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

function sessionCookieLine(response: Response, name: string): string {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(response.headers.getSetCookie())}`);
  return line;
}

/** GET /login then POST it; the raw (unfollowed) POST response. */
async function postLogin(browser: FormBrowser, person: Person): Promise<Response> {
  const page = await (await browser.request("/login")).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return browser.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, username: person.username, password: person.password }).toString(),
  });
}

function attributes(line: string): string[] {
  return line
    .split(";")
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

describe("sessions on an http issuer", () => {
  let server: TestServer;
  let person: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("sign-in sets an opaque HttpOnly, SameSite=Lax, Path=/ cookie without Secure", async () => {
    const response = await postLogin(new FormBrowser(server.issuer), person);
    expect(response.status).toBe(303);
    const attrs = attributes(sessionCookieLine(response, "frontdesk_session"));
    expect(attrs).toContain("httponly");
    expect(attrs).toContain("samesite=lax");
    expect(attrs).toContain("path=/");
    expect(attrs).not.toContain("secure");
    expect(attrs.some((a) => a.startsWith("domain="))).toBe(false);
  });

  it("stores the session only under the SHA-256 of the cookie value", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const value = browser.cookie("frontdesk_session") as string;
    expect(value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(await server.ctx.fast.get("session", value)).toBeUndefined();
    const stored = await server.ctx.fast.get("session", sha256hex(value));
    expect(stored).toBeDefined();
    expect(stored).not.toContain(value);
    // Nor anywhere in the fast store's files.
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith("fast.db")))
      expect(readFileSync(join(server.dataDir, file)).includes(value)).toBe(false);
  });

  it("starts a new session at every sign-in; the old cookie stops working", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const first = browser.cookie("frontdesk_session") as string;
    await signIn(browser, person); // sends the pre-existing cookie
    const second = browser.cookie("frontdesk_session") as string;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect(await accountStatus(browser)).toBe(200);
    const stale = new FormBrowser(server.issuer);
    stale.setCookie("frontdesk_session", first);
    expect(await accountStatus(stale)).toBe(303);
    expect(await server.ctx.fast.get("session", sha256hex(first))).toBeUndefined();
  });

  it("a forged cookie value is no session", async () => {
    const browser = new FormBrowser(server.issuer);
    browser.setCookie("frontdesk_session", "A".repeat(43));
    const response = await browser.request("/account");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });
});

describe("sessions on an https issuer", () => {
  let server: TestServer;
  let person: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ issuer: "https://login.example.test" });
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("uses a __Host- cookie with Secure, Path=/ and no Domain", async () => {
    const browser = new FormBrowser(server.url);
    const response = await postLogin(browser, person);
    expect(browser.cookie("__Host-frontdesk_csrf")).toBeTruthy();
    expect(response.status).toBe(303);
    const attrs = attributes(sessionCookieLine(response, "__Host-frontdesk_session"));
    expect(attrs).toContain("secure");
    expect(attrs).toContain("httponly");
    expect(attrs).toContain("samesite=lax");
    expect(attrs).toContain("path=/");
    expect(attrs.some((a) => a.startsWith("domain="))).toBe(false);
    expect(response.headers.getSetCookie().some((l) => l.startsWith("frontdesk_session="))).toBe(false);
  });
});

describe("session expiry", () => {
  let server: TestServer;
  let person: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ sessionIdleTtl: 2, sessionAbsoluteTtl: 5 });
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("ends a session left unused for longer than the idle TTL", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    expect(await accountStatus(browser)).toBe(200);
    await sleep(2600);
    expect(await accountStatus(browser)).toBe(303);
  });

  it("slides the idle expiry while used, but ends at the absolute limit", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const started = Date.now();
    // Used every second: alive past the 2 s idle TTL (absolute limit is at least 4 s away).
    while (Date.now() - started < 3500) {
      await sleep(900);
      expect(await accountStatus(browser)).toBe(200);
    }
    // Still used every second, yet the 5 s absolute limit ends it.
    let status = 200;
    while (status === 200 && Date.now() - started < 7000) {
      await sleep(900);
      status = await accountStatus(browser);
    }
    expect(status).toBe(303);
    expect(Date.now() - started).toBeGreaterThan(3900);
  }, 15_000);
});
