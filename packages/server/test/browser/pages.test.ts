import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import {
  type BrowserDocument,
  expectAccessible,
  launchChromium,
  SCREENSHOTS,
  screenshot,
} from "../helpers/chromium.js";
import { basic, postForm } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

/** Two believable devices, so the account page shows what a person would see. */
const LAPTOP_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const PHONE_UA = "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0";

/** A tiny OAuth client "callback" endpoint that records every query it receives. */
interface Callback {
  server: Server;
  uri: string;
  received: URLSearchParams[];
}

async function startCallback(): Promise<Callback> {
  const received: URLSearchParams[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/callback") received.push(url.searchParams);
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end('<!doctype html><html lang="en"><title>Callback</title><h1>Callback</h1></html>');
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { server, uri: `http://127.0.0.1:${port}/callback`, received };
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

declare const document: BrowserDocument;

describe("server-rendered pages in headless Chromium", () => {
  let server: TestServer;
  let callback: Callback;
  let browser: Browser;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestServer();
    callback = await startCallback();
    client = await server.client({
      name: "Photo Printer",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: [callback.uri],
      scopes: "openid profile email offline_access",
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => callback?.server.close(done));
    await server?.close();
  });

  async function device(userAgent = LAPTOP_UA): Promise<BrowserContext> {
    return browser.newContext({ userAgent, viewport: { width: 1280, height: 800 }, locale: "en-US" });
  }

  function authorizeUrl(challenge: string, state: string, extra: Record<string, string> = {}): string {
    const url = new URL("/authorize", server.issuer);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: client.id,
      redirect_uri: callback.uri,
      scope: "openid profile email offline_access",
      state,
      nonce: randomBytes(16).toString("base64url"),
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...extra,
    }).toString();
    return url.toString();
  }

  /** Signs in on the sign-in page with the keyboard only: type, Tab, type, Enter. */
  async function signInWithKeyboard(page: Page, username: string, password: string): Promise<void> {
    await page.locator("#username").focus();
    await page.keyboard.type(username);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("password");
    await page.keyboard.type(password);
    await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
  }

  /** Sign-in page labelled fields, filled and submitted by clicking. */
  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  it("signs in through an authorization request, consents, and returns code, state and iss", async () => {
    const { username, password } = await makeUser(server.ctx, "alice");
    const context = await device();
    const page = await context.newPage();
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(12).toString("base64url");

    await page.goto(authorizeUrl(challenge, state));
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.locator("h1").textContent()).toBe("Sign in");
    expect(await page.textContent("main")).toContain("Photo Printer");
    await screenshot(page, "sign-in");
    await expectAccessible(page);

    await signInWithKeyboard(page, username, password);
    await page.waitForURL((url) => url.pathname === "/consent");
    expect(await page.locator("h1").textContent()).toBe("Allow access?");
    const consentText = (await page.textContent("main")) ?? "";
    expect(consentText).toContain("Photo Printer");
    expect(consentText).toContain("alice");
    expect(consentText).toContain("See your e-mail address");
    await screenshot(page, "consent");
    await expectAccessible(page);

    const before = callback.received.length;
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((url) => url.toString().startsWith(callback.uri));
    expect(callback.received.length).toBe(before + 1);
    const query = callback.received.at(-1) as URLSearchParams;
    expect(query.get("code")).toBeTruthy();
    expect(query.get("state")).toBe(state);
    expect(query.get("iss")).toBe(server.issuer);
    expect(query.get("error")).toBeNull();

    // The code the browser carried back is good for tokens with the PKCE verifier.
    const token = await postForm(
      server,
      "/token",
      {
        grant_type: "authorization_code",
        code: query.get("code") as string,
        code_verifier: verifier,
        redirect_uri: callback.uri,
      },
      { authorization: basic(client.id, client.secret) },
    );
    expect(token.status).toBe(200);
    expect(token.json?.access_token).toBeTruthy();
    expect(token.json?.id_token).toBeTruthy();
    await context.close();
  });

  it("returns error=access_denied when the person clicks Deny", async () => {
    const { username, password } = await makeUser(server.ctx);
    const context = await device();
    const page = await context.newPage();
    const { challenge } = pkcePair();
    const state = randomBytes(12).toString("base64url");

    await page.goto(authorizeUrl(challenge, state));
    await signIn(page, username, password);
    await page.waitForURL((url) => url.pathname === "/consent");
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL((url) => url.toString().startsWith(callback.uri));
    const query = callback.received.at(-1) as URLSearchParams;
    expect(query.get("error")).toBe("access_denied");
    expect(query.get("code")).toBeNull();
    expect(query.get("state")).toBe(state);
    expect(query.get("iss")).toBe(server.issuer);
    await context.close();
  });

  it("shows an error page, and never redirects, for an unregistered redirect_uri", async () => {
    const context = await device();
    const page = await context.newPage();
    const before = callback.received.length;
    const url = new URL(authorizeUrl(pkcePair().challenge, "s"));
    url.searchParams.set("redirect_uri", `${callback.uri}/elsewhere`);
    const response = await page.goto(url.toString());
    expect(response?.status()).toBe(400);
    expect(new URL(page.url()).origin).toBe(server.issuer);
    expect(await page.locator("h1").textContent()).toBe("This request cannot be completed");
    expect(await page.getByRole("alert").count()).toBe(1);
    expect(callback.received.length).toBe(before);
    await screenshot(page, "error");
    await expectAccessible(page);
    await context.close();
  });

  it("lists both devices on the account page; 'Sign out all others' ends the other one", async () => {
    const { user, username, password } = await makeUser(server.ctx, "bob");
    const t = Math.floor(Date.now() / 1000);
    await server.ctx.durable.grants.upsert({
      userId: user.id,
      clientId: client.id,
      scopes: ["openid", "profile", "email", "offline_access"],
      createdAt: t,
      updatedAt: t,
    });
    const laptop = await device(LAPTOP_UA);
    const phone = await device(PHONE_UA);
    const onLaptop = await laptop.newPage();
    const onPhone = await phone.newPage();

    await onPhone.goto(`${server.issuer}/account`);
    expect(new URL(onPhone.url()).pathname).toBe("/login");
    await signIn(onPhone, username, password);
    await onPhone.waitForURL((url) => url.pathname === "/account");

    await onLaptop.goto(`${server.issuer}/login`);
    await signIn(onLaptop, username, password);
    await onLaptop.waitForURL((url) => url.pathname === "/account");
    expect(await onLaptop.locator("h1").textContent()).toBe("Your account");
    const sessions = onLaptop.locator("table[aria-labelledby=sessions] tbody tr");
    expect(await sessions.count()).toBe(2);
    const rows = (await sessions.allTextContents()).join("\n");
    expect(rows).toContain("Chrome on macOS");
    expect(rows).toContain("Firefox on Android");
    expect(rows).toContain("This device");
    expect(await onLaptop.locator("table[aria-labelledby=apps] tbody tr").count()).toBe(1);
    expect(await onLaptop.getByRole("button", { name: "Revoke access" }).count()).toBe(1);
    await screenshot(onLaptop, "account");
    await expectAccessible(onLaptop);

    await onLaptop.getByRole("button", { name: "Sign out all others" }).click();
    await onLaptop.waitForURL((url) => url.pathname === "/account" && url.search.includes("notice"));
    expect(await onLaptop.getByRole("status").textContent()).toContain("other sessions are signed out");
    expect(await onLaptop.locator("table[aria-labelledby=sessions] tbody tr").count()).toBe(1);
    expect(await onLaptop.getByRole("button", { name: "Sign out all others" }).isDisabled()).toBe(true);
    await screenshot(onLaptop, "account-after-sign-out-others");

    // The other device's next page load lands on the sign-in page.
    await onPhone.goto(`${server.issuer}/account`);
    expect(new URL(onPhone.url()).pathname).toBe("/login");
    expect(await onPhone.locator("h1").textContent()).toBe("Sign in");

    // Narrow screen: the account page stays usable.
    await onLaptop.setViewportSize({ width: 375, height: 740 });
    await onLaptop.goto(`${server.issuer}/account`);
    await screenshot(onLaptop, "account-narrow");
    const overflow = await onLaptop.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    expect(overflow).toBe(false);

    // Dark colour scheme: the same page with the dark palette.
    await onLaptop.setViewportSize({ width: 1280, height: 800 });
    await onLaptop.emulateMedia({ colorScheme: "dark" });
    await onLaptop.reload();
    await screenshot(onLaptop, "account-dark");

    await laptop.close();
    await phone.close();
  });

  it("the account page's Sign out signs out at once (a CSRF-checked POST needs no second confirmation)", async () => {
    const { username, password } = await makeUser(server.ctx);
    const context = await device();
    const page = await context.newPage();
    await page.goto(`${server.issuer}/login`);
    await signIn(page, username, password);
    await page.waitForURL((url) => url.pathname === "/account");

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/account/sign-out");
    expect(await page.locator("h1").textContent()).toBe("Signed out");
    await screenshot(page, "signed-out");
    await expectAccessible(page);
    await page.goto(`${server.issuer}/account`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });

  it("administration page: one click revokes a person's access everywhere", async () => {
    await createUser(server.ctx, {
      username: "root",
      password: "root password!",
      roles: ["frontdesk:admin"],
    });
    const { username, password } = await makeUser(server.ctx, "carla");
    const adminContext = await device(LAPTOP_UA);
    const personContext = await device(PHONE_UA);
    const person = await personContext.newPage();
    await person.goto(`${server.issuer}/login`);
    await signIn(person, username, password);
    await person.waitForURL((url) => url.pathname === "/account");

    const admin = await adminContext.newPage();
    await admin.goto(`${server.issuer}/admin`);
    expect(new URL(admin.url()).pathname).toBe("/login");
    await signIn(admin, "root", "root password!");
    await admin.waitForURL((url) => url.pathname === "/admin");
    expect(await admin.locator("h1").textContent()).toBe("Administration");
    await screenshot(admin, "admin");
    await expectAccessible(admin);

    const row = admin.locator("tr", { hasText: "carla" });
    await row.getByRole("button", { name: "Revoke everywhere" }).click();
    await admin.waitForURL((url) => url.pathname === "/admin" && url.search.includes("notice"));
    await person.goto(`${server.issuer}/account`);
    expect(new URL(person.url()).pathname).toBe("/login");
    await adminContext.close();
    await personContext.close();
  });
});
