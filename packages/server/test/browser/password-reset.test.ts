import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium, SCREENSHOTS } from "../helpers/chromium.js";
import type { TestServer } from "../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../helpers/smtp.js";
import { makeUser } from "../helpers/users.js";

const NEW_PASSWORD = "chromium chose this passphrase";
/** This flow's screenshots, beside the other pages' (git-ignored test-results/). */
const SHOTS = join(SCREENSHOTS, "password-reset");

describe("password reset end to end in headless Chromium", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ server, smtp, close } = await startTestServerWithSmtp({
      features: { passwordReset: { enabled: true } },
    }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("from the sign-in page's link to signing in with the new password, every page accessible", async () => {
    const person = await makeUser(server.ctx);
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: "en-US" });
    const page = await context.newPage();

    await page.goto(`${server.issuer}/login`);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.waitForURL(/\/login\/forgot$/);
    await expectAccessible(page);
    await shot(page, "1-forgot");
    await page.getByLabel("Username or email address").fill(person.user.email as string);
    await page.getByRole("button", { name: "Email me a link" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Check your email");
    await expectAccessible(page);
    await shot(page, "2-check-your-email");

    const message = await smtp.waitForMessage({
      to: person.user.email as string,
      subject: "Reset your password",
    });
    // Opened from the mail client: a new tab, no cookies shared with the one that asked.
    const mailTab = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
    await mailTab.goto(linkIn(message, "/login/reset"));
    expect(await mailTab.getByRole("heading", { level: 1 }).textContent()).toBe("Choose a new password");
    await expectAccessible(mailTab);
    await shot(mailTab, "3-choose-a-new-password");

    // A common password first: refused with an alert, the form stays.
    await mailTab.getByLabel("New password").fill("password123");
    await mailTab.getByLabel("Type it again").fill("password123");
    await mailTab.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => mailTab.getByRole("alert").textContent()).toMatch(/most common passwords/);
    await shot(mailTab, "4-refused-common-password");

    await mailTab.getByLabel("New password").fill(NEW_PASSWORD);
    await mailTab.getByLabel("Type it again").fill(NEW_PASSWORD);
    await mailTab.getByRole("button", { name: "Set the new password" }).click();
    await mailTab.waitForURL(/\/login\?/);
    expect(await mailTab.getByRole("status").textContent()).toContain("Your new password is set");
    expect(await mailTab.getByLabel("Username").inputValue()).toBe(person.username);
    await expectAccessible(mailTab);
    await shot(mailTab, "5-sign-in-with-the-new-password");

    await mailTab.getByLabel("Password").fill(NEW_PASSWORD);
    await mailTab.getByRole("button", { name: "Sign in", exact: true }).click();
    await mailTab.waitForURL(/\/account$/);
    await shot(mailTab, "6-signed-in");

    await smtp.waitForMessage({ to: person.user.email as string, subject: "Your password was changed" });
    await context.close();
  });
});
