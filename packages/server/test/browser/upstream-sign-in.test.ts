import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium, SCREENSHOTS } from "../helpers/chromium.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { addUpstreamOidc, upstreamOf } from "../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../helpers/upstream-oidc.js";

const SHOTS = join(SCREENSHOTS, "upstream-sign-in");

/** The provider's own pages (node-oidc-provider's dev interactions): sign in as `login`, then consent. */
async function signInAtProvider(page: Page, upstream: UpstreamOidc, login: string) {
  for (let step = 0; step < 4 && page.url().startsWith(upstream.issuer); step++) {
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill("any password");
    }
    const before = page.url();
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL((url) => url.href !== before);
  }
}

describe("sign-in through an upstream provider in headless Chromium", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    await addUpstreamOidc(server, upstream, { domains: ["corp.example"] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  /** A fresh browser profile; the provider's pages load a web font, which stays offline. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: "en-US" });
    await context.route(/^https:\/\/fonts\./, (route) => route.abort());
    return context.newPage();
  }

  it("Continue with Corp ID, sign in there, land on the account page that lists the provider", async () => {
    const sub = `dana${Date.now().toString(36)}`;
    upstream.accounts.set(sub, { sub, email: `${sub}@corp.example`, email_verified: true, name: "Dana" });
    const page = await newPage();
    await page.goto(`${server.issuer}/login`);
    await expectAccessible(page);
    // The identifier-first hint is read out with the username field.
    const username = page.getByLabel("Username or work email");
    const hint = page.locator(`#${await username.getAttribute("aria-describedby")}`);
    expect(await hint.textContent()).toMatch(/^With a work email .* leave the password empty/);
    await page.screenshot({ path: join(SHOTS, "1-sign-in-with-providers.png"), fullPage: true });

    await page.getByRole("link", { name: "Continue with Corp ID" }).click();
    await page.waitForURL((url) => url.href.startsWith(upstream.issuer));
    await signInAtProvider(page, upstream, sub);
    await page.waitForURL(`${server.issuer}/account`);

    const section = page.getByRole("table", { name: "Sign-in providers" });
    await expect.poll(() => section.getByRole("cell").first().textContent()).toBe("Corp ID");
    expect(await section.getByRole("cell", { name: `${sub}@corp.example` }).count()).toBe(1);
    await expectAccessible(page);
    await page.screenshot({ path: join(SHOTS, "2-account-with-provider.png"), fullPage: true });

    const [user] = await server.ctx.durable.users.findByEmail(`${sub}@corp.example`);
    expect(user?.passwordHash).toBeNull();
    const identities = await upstreamOf(server.ctx).identities.listByUser(user?.id as string);
    expect(identities).toMatchObject([{ providerId: "corp", issuer: upstream.issuer, subject: sub }]);
  });

  it("cancelled at the provider: a page that says so and offers the ways on", async () => {
    const page = await newPage();
    await page.goto(`${server.issuer}/login`);
    await page.getByRole("link", { name: "Continue with Corp ID" }).click();
    await page.waitForURL((url) => url.href.startsWith(upstream.issuer));
    await page.getByRole("link", { name: "[ Cancel ]" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${server.issuer}/upstream/corp/callback`));
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Sign-in with Corp ID did not work",
    );
    expect(await page.getByRole("alert").textContent()).toMatch(/^The sign-in was cancelled at Corp ID/);
    expect(await page.getByRole("link", { name: "Try Corp ID again" }).count()).toBe(1);
    await expectAccessible(page);
    await page.screenshot({ path: join(SHOTS, "3-cancelled-at-the-provider.png"), fullPage: true });
    await page.getByRole("link", { name: "Use another way to sign in" }).click();
    await page.waitForURL(`${server.issuer}/login`);
  });
});
