import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../src/users/users.js";
import { expectAccessible, launchChromium, SCREENSHOTS, screenshot } from "../helpers/chromium.js";
import { failOnErrorLogs, type TestServer } from "../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../helpers/smtp.js";

describe("email verification in headless Chromium", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ({ server, smtp, close } = await startTestServerWithSmtp());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });
  failOnErrorLogs(() => server);

  async function signIn(page: Page, username: string, password: string) {
    await page.goto(`${server.issuer}/login`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/account");
  }

  it("the account page says 'Not verified' and sends the message again; its link confirms the address", async () => {
    const password = "correct horse battery";
    const user = await createUser(server.ctx, { username: "carol", password, email: "carol@example.test" });
    await server.ctx.emailVerification.send(user);
    await smtp.waitForMessage({ to: "carol@example.test" });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const page = await context.newPage();
    await signIn(page, "carol", password);
    const state = page.locator("[data-email-state]");
    expect(await state.getAttribute("data-email-state")).toBe("unverified");
    expect(await state.textContent()).toContain("carol@example.test");
    expect(await state.textContent()).toContain("Not verified");
    await screenshot(page, "account-email-unverified");
    await expectAccessible(page);

    await page.getByRole("button", { name: "Send the verification message again" }).click();
    await page.waitForURL((url) => url.search.includes("notice=verification-sent"));
    expect(await page.getByRole("status").textContent()).toContain(
      "A new verification message is on its way",
    );
    const message = await smtp.waitForMessage({ to: "carol@example.test" });

    // The message's HTML part as a mail client shows it (no scripts), then its link
    // opened as the person would, in a browser of its own.
    const mailClient = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
      javaScriptEnabled: false,
    });
    const inbox = await mailClient.newPage();
    await inbox.setContent(message.html);
    expect(await inbox.getByRole("link", { name: "Confirm your email address" }).getAttribute("href")).toBe(
      linkIn(message, "/account/verify-email"),
    );
    await screenshot(inbox, "email-verification-html");
    const linkPage = await mailClient.newPage();
    await linkPage.goto(linkIn(message, "/account/verify-email"));
    expect(await linkPage.locator("h1").textContent()).toBe("Confirm your email address");
    expect(await linkPage.locator("main").textContent()).toContain("carol@example.test");
    await screenshot(linkPage, "verify-email-confirm");
    await expectAccessible(linkPage);
    await linkPage.getByRole("button", { name: "Confirm my email address" }).click();
    await linkPage.waitForURL((url) => url.pathname === "/account/verify-email");
    expect(await linkPage.locator("h1").textContent()).toBe("Email address confirmed");
    expect(await linkPage.getByRole("status").textContent()).toContain("carol@example.test");
    await screenshot(linkPage, "verify-email-done");
    await expectAccessible(linkPage);

    // The same link again: a readable error, in the dark scheme too.
    await linkPage.emulateMedia({ colorScheme: "dark" });
    const again = await linkPage.goto(linkIn(message, "/account/verify-email"));
    expect(again?.status()).toBe(400);
    expect(await linkPage.getByRole("alert").textContent()).toMatch(/already used/);
    await screenshot(linkPage, "verify-email-used-dark");
    await mailClient.close();

    await page.reload();
    expect(await state.getAttribute("data-email-state")).toBe("verified");
    expect(await page.getByRole("button", { name: "Send the verification message again" }).count()).toBe(0);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${server.issuer}/account`);
    await screenshot(page, "account-email-verified-dark");
    expect((await server.ctx.durable.users.get(user.id))?.emailVerified).toBe(true);
    await context.close();
  });
});
