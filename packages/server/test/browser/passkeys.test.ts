import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import * as oidc from "openid-client";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passkeyRepository } from "../../src/features/passkeys/repositories.js";
import { expectAccessible, launchChromium, SCREENSHOTS } from "../helpers/chromium.js";
import { decodePayload, redeemCode, relyingParty } from "../helpers/oidc.js";
import { failOnErrorLogs, freePort, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

const SHOTS = join(SCREENSHOTS, "passkeys");
const PHR = "urn:frontdesk:acr:phr";

/**
 * Passkeys in headless Chromium with the DevTools virtual authenticator (CTAP2,
 * internal, resident keys, user verification). The issuer is `localhost`: WebAuthn
 * needs a domain for the rpId, and localhost is a secure context over http.
 */
describe("passkeys in headless Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  /** The application's callback: a small server of the test (Chromium refuses the usual test port 9). */
  let app: Server;
  let REDIRECT: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await freePort();
    server = await startTestServer({ port, issuer: `http://localhost:${port}` });
    browser = await launchChromium();
    app = createServer((_request, response) => response.end("back at the application"));
    const appPort = await freePort();
    await new Promise<void>((resolve) => app.listen(appPort, "127.0.0.1", resolve));
    REDIRECT = `http://127.0.0.1:${appPort}/callback`;
  });
  afterAll(async () => {
    app?.close();
    await browser?.close();
    await server?.close();
  });
  failOnErrorLogs(() => server);

  /** A browser profile with one virtual platform authenticator. */
  async function withAuthenticator(): Promise<{
    context: BrowserContext;
    page: Page;
    cdp: CDPSession;
    authenticatorId: string;
  }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: "en-US" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { context, page, cdp, authenticatorId };
  }

  /**
   * With a passkey in the authenticator, the sign-in page's autofill request would be
   * answered at once (the virtual authenticator confirms presence by itself): for a
   * password sign-in it is paused, then switched back on.
   */
  const presence = (cdp: CDPSession, authenticatorId: string, enabled: boolean) =>
    cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });

  async function passwordSignIn(
    page: Page,
    person: { username: string; password: string },
    authenticator?: { cdp: CDPSession; authenticatorId: string },
  ) {
    if (authenticator) await presence(authenticator.cdp, authenticator.authenticatorId, false);
    await page.goto(`${server.issuer}/login`);
    await page.getByLabel("Username").fill(person.username);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname !== "/login");
    if (authenticator) await presence(authenticator.cdp, authenticator.authenticatorId, true);
  }

  async function addPasskey(page: Page, name: string) {
    await page.goto(`${server.issuer}/account`);
    await page.getByRole("link", { name: "Add a passkey" }).click();
    await page.waitForURL(`${server.issuer}/account/passkeys/new`);
    await page.getByLabel("Name for this passkey").fill(name);
    await page.getByRole("button", { name: "Create a passkey" }).click();
    await page.waitForURL(`${server.issuer}/account?notice=passkey-added`);
  }

  const sessionOf = async (context: BrowserContext) => {
    const cookie = (await context.cookies()).find((c) => c.name === "frontdesk_session");
    return server.ctx.sessions.resolve(cookie?.value);
  };

  it("registers a passkey from the account page, then signs in with it without a username", async () => {
    const person = await makeUser(server.ctx);
    const { context, page, cdp, authenticatorId } = await withAuthenticator();
    await passwordSignIn(page, person);
    await page.waitForURL(`${server.issuer}/account`);
    await page.getByRole("link", { name: "Add a passkey" }).click();
    await page.waitForURL(`${server.issuer}/account/passkeys/new`);
    await expectAccessible(page);
    await page.screenshot({ path: join(SHOTS, "1-add-a-passkey.png"), fullPage: true });
    await page.getByLabel("Name for this passkey").fill("Work laptop");
    await page.getByRole("button", { name: "Create a passkey" }).click();
    await page.waitForURL(`${server.issuer}/account?notice=passkey-added`);
    const table = page.getByRole("table", { name: "Passkeys" });
    expect(await table.getByRole("cell").first().textContent()).toBe("Work laptop");
    expect(await table.getByRole("cell", { name: "This device only" }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "2-account-with-passkey.png"), fullPage: true });

    // The authenticator holds a discoverable credential whose user handle is the stored one.
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    const [stored] = await passkeyRepository(server.ctx.durable).listByUser(person.user.id);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    expect(credentials[0]?.rpId).toBe("localhost");
    expect(Buffer.from(credentials[0]?.userHandle ?? "", "base64").toString("base64url")).toBe(
      await passkeyRepository(server.ctx.durable).handleOf(person.user.id, () => "unused", 0),
    );
    expect(stored).toMatchObject({ rpId: "localhost", name: "Work laptop", transports: ["internal"] });

    // Signed out, the sign-in page offers the passkey: no username typed.
    await context.clearCookies();
    await presence(cdp, authenticatorId, false);
    await page.goto(`${server.issuer}/login`);
    const autocomplete = await page.getByLabel("Username").getAttribute("autocomplete");
    expect(autocomplete).toBe("username webauthn");
    await expectAccessible(page);
    await page.screenshot({ path: join(SHOTS, "3-sign-in-with-a-passkey.png"), fullPage: true });
    await presence(cdp, authenticatorId, true);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(`${server.issuer}/account`);
    const session = await sessionOf(context);
    expect(session?.userId).toBe(person.user.id);
    expect(session?.amr).toEqual(["hwk", "user", "mfa"]);
    expect(session?.acr).toBe(PHR);
    const [used] = await passkeyRepository(server.ctx.durable).listByUser(person.user.id);
    expect(used?.lastUsedAt).not.toBeNull();
    await context.close();
  });

  it("without JavaScript the sign-in page is the password form alone", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${server.issuer}/login`);
    expect(await page.getByRole("button", { name: "Sign in with a passkey" }).isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Sign in", exact: true }).isVisible()).toBe(true);
    const person = await makeUser(server.ctx);
    await passwordSignIn(page, person);
    await page.waitForURL(`${server.issuer}/account`);
    await context.close();
  });

  it("the username field's passkey autofill (conditional mediation) signs in once the authenticator answers", async () => {
    const person = await makeUser(server.ctx);
    const { context, page } = await withAuthenticator();
    await passwordSignIn(page, person);
    await addPasskey(page, "Autofill");
    await context.clearCookies();
    // Nothing is clicked and no username typed: the only request the page makes on its own is
    // the autofill one (mediation "conditional"), which the virtual authenticator answers at once
    // (a person would pick the passkey in the username field's autofill list).
    await page.goto(`${server.issuer}/login`);
    await page.waitForURL(`${server.issuer}/account`);
    expect((await sessionOf(context))?.userId).toBe(person.user.id);
    await context.close();
  });

  it("a passkey as the second step after a password", async () => {
    const person = await makeUser(server.ctx);
    const authenticator = await withAuthenticator();
    const { context, page } = authenticator;
    await passwordSignIn(page, person);
    await page.waitForURL(`${server.issuer}/account`);
    await addPasskey(page, "Phone");
    await context.clearCookies();
    await passwordSignIn(page, person, authenticator);
    await page.waitForURL((url) => url.pathname === "/login/second-factor");
    await expectAccessible(page);
    await page.screenshot({ path: join(SHOTS, "4-second-step.png"), fullPage: true });
    expect(await sessionOf(context)).toBeUndefined();
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await page.waitForURL(`${server.issuer}/account`);
    const session = await sessionOf(context);
    expect(session?.amr).toEqual(["pwd", "hwk", "user", "mfa"]);
    await context.close();
  });

  it("step-up: an application asks for acr_values=phr of a password session; the passkey answers it", async () => {
    const person = await makeUser(server.ctx);
    const { context, page } = await withAuthenticator();
    // A password session from before the passkey existed: one factor.
    await passwordSignIn(page, person);
    await page.waitForURL(`${server.issuer}/account`);
    await addPasskey(page, "Laptop");
    const before = await sessionOf(context);
    expect(before?.amr).toEqual(["pwd"]);

    const rp = await relyingParty(server, { firstParty: true, redirectUris: [REDIRECT] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: REDIRECT,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      acr_values: PHR,
    });
    await page.goto(url.toString());
    await page.waitForURL((u) => u.pathname === "/login/second-factor");
    expect(await page.getByRole("paragraph").first().textContent()).toMatch(/^This needs a stronger sign-in/);
    await page.screenshot({ path: join(SHOTS, "5-step-up.png"), fullPage: true });
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await page.waitForURL((u) => u.href.startsWith(REDIRECT));
    const tokens = await redeemCode(rp, { verifier, state, nonce }, new URL(page.url()), "openid");
    const claims = tokens.claims();
    expect(claims?.acr).toBe(PHR);
    expect(claims?.amr).toEqual(["pwd", "hwk", "user", "mfa"]);
    expect(decodePayload(tokens.access_token).acr).toBe(PHR);
    // The step-up made a new session; the old one is over.
    const after = await sessionOf(context);
    expect(after?.sid).not.toBe(before?.sid);
    expect((await server.ctx.sessions.listForUser(person.user.id)).map((s) => s.session.sid)).not.toContain(
      before?.sid,
    );
    await context.close();
  });
});
