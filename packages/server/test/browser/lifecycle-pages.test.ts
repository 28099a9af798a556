import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invitationEmail } from "../../src/pages/account-emails.js";
import { inviteUser } from "../../src/users/invitations.js";
import { expectAccessible, launchChromium, SCREENSHOTS } from "../helpers/chromium.js";
import type { TestServer } from "../helpers/server.js";
import { linkIn, startTestServerWithSmtp, type TestSmtp } from "../helpers/smtp.js";
import { makeUser } from "../helpers/users.js";

const SHOTS = join(SCREENSHOTS, "account-lifecycle");
const PASSWORD = "a passphrase for chromium";

/** The registration, invitation and password-change pages as a person sees them, each checked for accessibility. */
describe("account lifecycle pages in headless Chromium", () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let close: () => Promise<void>;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ server, smtp, close } = await startTestServerWithSmtp({ registration: "open" }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const newPage = async () =>
    (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();

  it("registration: the form, a refusal, and the answer", async () => {
    const page = await newPage();
    await page.goto(`${server.issuer}/login`);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/signup$/);
    await expectAccessible(page);
    await shot(page, "1-create-an-account");
    const username = `chromium${Date.now().toString(36)}`;
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Email address").fill(`${username}@example.test`);
    await page.getByLabel("Password", { exact: true }).fill("12345678");
    await page.getByLabel("Type it again").fill("12345678");
    await page.getByRole("button", { name: "Create the account" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/most common passwords/);
    await shot(page, "2-refused");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Type it again").fill(PASSWORD);
    await page.getByRole("button", { name: "Create the account" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Check your email");
    await expectAccessible(page);
    await shot(page, "3-check-your-email");
  });

  it("an invitation and a password change", async () => {
    const email = `invited${Date.now().toString(36)}@example.test`;
    await inviteUser(server.ctx, { email }, (url, days) =>
      invitationEmail({ issuer: server.issuer, url, days }),
    );
    const page = await newPage();
    await page.goto(linkIn(await smtp.waitForMessage({ to: email }), "/signup/invitation"));
    await expectAccessible(page);
    await shot(page, "4-accept-your-invitation");

    const person = await makeUser(server.ctx);
    await server.ctx.durable.users.update(person.user.id, { emailVerified: true });
    const account = await newPage();
    await account.goto(`${server.issuer}/login?return_to=/account/password`);
    await account.getByLabel("Username").fill(person.username);
    await account.getByLabel("Password").fill(person.password);
    await account.getByRole("button", { name: "Sign in", exact: true }).click();
    await account.waitForURL(/\/account\/password$/);
    await expectAccessible(account);
    await shot(account, "5-change-your-password");
  });
});
