import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { expectAccessible, launchChromium, SCREENSHOTS } from "../helpers/chromium.js";
import { fillPlaceholders } from "../helpers/doc-snippets.js";
import { type Nginx, runNginx } from "../helpers/nginx.js";
import { cli, startProgram } from "../helpers/process.js";
import { failOnErrorLogs, freePort, startTestServer, type TestServer } from "../helpers/server.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/spa-to-bff/", import.meta.url));
/** A JWT (compact JWS): its header is JSON, so its base64url starts with `eyJ`. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;
const PASSWORD = "correct horse battery staple";
/** What the old app kept in localStorage: a 30-day HS256 JWT (the seeds' kind). */
const OLD_TOKEN =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5OTk5OTk5OX0.c2lnbmF0dXJl";

/** The page's globals the Chromium check reads (this project compiles without the DOM library). */
declare const document: { cookie: string; documentElement: { outerHTML: string } };
declare const localStorage: { length: number; setItem(key: string, value: string): void };
declare const sessionStorage: { length: number };

/** Everything a browser receives in a response, headers and body, checked for a JWT; the body. */
async function tokenFree(response: Response): Promise<string> {
  const body = await response.text();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  expect(headers).not.toMatch(JWT);
  expect(body).not.toMatch(JWT);
  return body;
}

/**
 * examples/spa-to-bff run as its README says: a real nginx with the example's
 * nginx.conf (only the three addresses replaced) doing forward-auth against a real
 * Frontdesk, in front of the example's backend, which verifies the internal JWT with
 * the guard and follows the revocation feed.
 */
describe("examples/spa-to-bff: an SPA on a session cookie behind forward-auth", () => {
  let server: TestServer;
  let nginx: Nginx;
  let backendProcess: ChildProcess;
  /** The gateway: the one origin the browser sees, and Frontdesk's issuer. */
  let origin: string;
  /** The backend itself, as a caller inside the network would reach it. */
  let backend: string;
  let alice: { id: string };

  beforeAll(async () => {
    const [gatewayPort, backendPort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${gatewayPort}`;
    backend = `http://127.0.0.1:${backendPort}`;
    server = await startTestServer({ issuer: origin });
    alice = await createUser(server.ctx, { username: "alice", password: PASSWORD });
    const feed = await server.client({ scopes: "revocation_feed" });
    const config = fillPlaceholders(readFileSync(`${EXAMPLE}nginx.conf`, "utf8"), {
      "127.0.0.1:8080": `127.0.0.1:${gatewayPort}`,
      "127.0.0.1:3000": `127.0.0.1:${new URL(server.url).port}`,
      "127.0.0.1:4000": `127.0.0.1:${backendPort}`,
    });
    nginx = await runNginx(() => config, gatewayPort);
    backendProcess = await startProgram(`${EXAMPLE}backend.mjs`, {
      FRONTDESK_ISSUER: origin,
      PORT: String(backendPort),
      FEED_CLIENT_ID: feed.id,
      FEED_CLIENT_SECRET: feed.secret,
    });
  });
  afterAll(async () => {
    backendProcess?.kill();
    await nginx?.stop();
    await server?.close();
  });
  failOnErrorLogs(() => server);

  /** Alice's browser after she asked for the app and signed in on the page she was sent to. */
  async function signIn(): Promise<{ browser: FormBrowser; page: Response }> {
    const browser = new FormBrowser(origin);
    const login = await browser.follow("/app/");
    expect(login.url).toBe(`${origin}/login?return_to=%2Fapp%2F`);
    const landed = await browser.submit(await login.response.text(), {
      username: "alice",
      password: PASSWORD,
    });
    expect(landed.url).toBe(`${origin}/app/`);
    expect(landed.response.status).toBe(200);
    return { browser, page: landed.response };
  }

  /** The internal JWT the gateway forwards for this browser's session (asked of /authz as nginx asks). */
  async function internalToken(browser: FormBrowser): Promise<string> {
    const token = (await browser.request(`${server.url}/authz`)).headers.get("x-frontdesk-token");
    // The pattern every "no token" assertion uses does catch Frontdesk's tokens.
    expect(token).toMatch(JWT);
    return token as string;
  }

  /** Calls the backend directly with `token` until it refuses it; bounded so a failure cannot hang. */
  async function untilRefused(token: string): Promise<number> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const response = await fetch(`${backend}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200 || Date.now() > deadline) return response.status;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function addNote(page: Page, text: string): Promise<void> {
    await page.getByLabel("New note").fill(text);
    await page.getByRole("button", { name: "Add" }).click();
  }

  const post = (browser: FormBrowser, text: string, headers: Record<string, string>) =>
    browser.request("/api/notes", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ text }),
    });

  it("sends a signed-out browser to sign in for the page, and answers its API calls with a 401", async () => {
    const page = await fetch(`${origin}/app/`, { redirect: "manual" });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`${origin}/login?return_to=%2Fapp%2F`);
    const call = await fetch(`${origin}/api/notes`, { redirect: "manual" });
    expect(call.status).toBe(401);
    expect(call.headers.get("cache-control")).toBe("no-store");
    expect(await call.json()).toEqual({ error: "login_required" });
  });

  it("after sign-in, the page, its script and the API's answers hold no token; the cookie is opaque", async () => {
    const { browser, page } = await signIn();
    expect(await tokenFree(page)).toContain('<script src="/app/app.js" defer></script>');
    const script = await tokenFree(await browser.request("/app/app.js"));
    expect(script).toContain('localStorage.removeItem("token")');
    expect(script).not.toMatch(/localStorage\.setItem|sessionStorage|document\.cookie/);
    const me = JSON.parse(await tokenFree(await browser.request("/api/me")));
    expect(me).toEqual({ sub: alice.id, signed_in_at: expect.any(Number), amr: ["pwd"] });
    const cookie = browser.cookie("frontdesk_session");
    expect(cookie?.length).toBeGreaterThanOrEqual(43);
    expect(cookie).not.toMatch(JWT);
  });

  it("keeps notes with the cookie alone; an unsafe call without the CSRF header is refused", async () => {
    const { browser } = await signIn();
    const text = `milk ${Date.now()}`;
    const refused = await post(browser, text, {});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "csrf" });
    const added = await post(browser, text, { "x-requested-with": "fetch" });
    expect(added.status).toBe(201);
    const { notes } = JSON.parse(await tokenFree(await browser.request("/api/notes"))) as { notes: string[] };
    expect(notes.filter((note) => note === text)).toHaveLength(1);
    expect((await post(browser, "", { "x-requested-with": "fetch" })).status).toBe(400);
  });

  it("takes no token from the browser: its Authorization is overwritten, a bare internal JWT is not let in", async () => {
    const { browser } = await signIn();
    const token = await internalToken(browser);
    const forged = await browser.request("/api/me", {
      headers: { authorization: "Bearer forged.token.value" },
    });
    expect(forged.status).toBe(200);
    const bare = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ error: "login_required" });
    // The same token is good at the backend itself: the gateway is what keeps it out.
    const inside = await fetch(`${backend}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(inside.status).toBe(200);
  });

  it("revoking alice: the gateway refuses her, and the API refuses a token it already holds", async () => {
    const { browser } = await signIn();
    const token = await internalToken(browser);
    const held = await fetch(`${backend}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(held.status).toBe(200);

    await cli(["user", "revoke", "alice", "--data-dir", server.dataDir], { FRONTDESK_ISSUER: origin });
    expect(await untilRefused(token)).toBe(401);
    // Refused by the revocation feed, not by expiry: the token still has most of its life.
    expect(Number(decodeJwt(token).exp) * 1000 - Date.now()).toBeGreaterThan(60_000);
    expect((await browser.request("/api/notes")).status).toBe(401);
    const page = await browser.request("/app/");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`${origin}/login?return_to=%2Fapp%2F`);
  });

  it("signing out at /logout ends the session: the gateway and the API refuse", async () => {
    const { browser } = await signIn();
    const token = await internalToken(browser);
    const confirm = await browser.follow("/logout");
    const out = await browser.submit(
      await confirm.response.text(),
      {},
      { button: { name: "decision", value: "logout" } },
    );
    expect(out.response.status).toBe(200);
    expect(await out.response.text()).toContain("You are signed out.");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expect((await browser.request("/api/me")).status).toBe(401);
    expect(await untilRefused(token)).toBe(401);
  });

  it("in Chromium: works on the cookie alone, which script cannot read; localStorage ends empty", async () => {
    const chromium = await launchChromium();
    try {
      const context = await chromium.newContext({ locale: "en-US" });
      const app = await context.newPage();
      await app.goto(`${origin}/app/`);
      expect(app.url()).toBe(`${origin}/login?return_to=%2Fapp%2F`);
      // The same origin as the old app: its long-lived token is still in localStorage.
      await app.evaluate((old) => localStorage.setItem("token", old), OLD_TOKEN);
      await app.getByLabel("Username", { exact: true }).fill("alice");
      await app.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await app.getByRole("button", { name: "Sign in", exact: true }).click();
      await app.waitForURL(`${origin}/app/`);
      await expect.poll(() => app.locator("#who").textContent()).toContain(`Signed in as ${alice.id}`);
      await addNote(app, "from Chromium");
      await expect.poll(() => app.getByRole("listitem").allTextContents()).toContain("from Chromium");
      await expectAccessible(app);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await app.screenshot({ path: join(SCREENSHOTS, "spa-to-bff-notes.png"), fullPage: true });

      const seen = await app.evaluate(() => ({
        cookie: document.cookie,
        localStorage: localStorage.length,
        sessionStorage: sessionStorage.length,
        html: document.documentElement.outerHTML,
      }));
      expect(seen).toMatchObject({ cookie: "", localStorage: 0, sessionStorage: 0 });
      expect(seen.html).not.toMatch(JWT);
      // The cookie is there all the same, out of the script's reach.
      const session = (await context.cookies(origin)).find((c) => c.name === "frontdesk_session");
      expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });

      // Signed out in another tab: the page left open finds out at its next call.
      const other = await context.newPage();
      await other.goto(`${origin}/app/`);
      await other.getByRole("link", { name: "Sign out" }).click();
      await other.getByRole("button", { name: "Sign out" }).click();
      await expect.poll(() => other.locator("main").textContent()).toContain("You are signed out.");
      await addNote(app, "too late");
      await expect
        .poll(() => app.getByRole("alert").textContent())
        .toBe("Your session has ended. Sign in again");
      await app.getByRole("link", { name: "Sign in again" }).click();
      await app.waitForURL(`${origin}/login?return_to=%2Fapp%2F`);
    } finally {
      await chromium.close();
    }
  });
});
