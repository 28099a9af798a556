import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadServerConfig } from "../../src/main/config.js";
import { tempDir } from "../helpers/server.js";

const dataDir = tempDir("frontdesk-email-config-");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const load = (flags: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  loadServerConfig({ env, flags: { dataDir, ...flags } });
function problems(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}

describe("email configuration", () => {
  it("reads smtpUrl and emailFrom from the file, the environment or flags", () => {
    const config = load(
      {},
      {
        FRONTDESK_SMTP_URL: "smtp://mailer:pw@smtp.example.com:587",
        FRONTDESK_EMAIL_FROM: "Frontdesk <id@example.com>",
      },
    );
    expect(config.smtpUrl).toBe("smtp://mailer:pw@smtp.example.com:587");
    expect(config.emailFrom).toBe("Frontdesk <id@example.com>");
    expect(load({ smtpUrl: "smtps://smtp.example.com", emailFrom: "id@example.com" }).smtpUrl).toBe(
      "smtps://smtp.example.com",
    );
    expect(load({}).smtpUrl).toBeUndefined();
  });

  it("refuses an smtpUrl that is not smtp:// or smtps://, without repeating it (it may hold a password)", () => {
    for (const bad of [
      "http://mailer:hunter2@smtp.example.com",
      "mailer:hunter2@smtp.example.com:587",
      "smtp://",
    ]) {
      const message = problems(() => load({ smtpUrl: bad, emailFrom: "id@example.com" }));
      expect(message).toContain(
        'smtpUrl (env FRONTDESK_SMTP_URL or "smtpUrl" in the file): must be a URL starting with smtp:// or smtps://',
      );
      expect(message).not.toContain("hunter2");
    }
  });

  it("needs emailFrom with smtpUrl, and an address in it", () => {
    expect(problems(() => load({ smtpUrl: "smtp://smtp.example.com" }))).toContain(
      'emailFrom (env FRONTDESK_EMAIL_FROM or "emailFrom" in the file): required with smtpUrl',
    );
    for (const bad of [
      "Frontdesk",
      "id@",
      "id@localhost",
      "a@b.com, c@d.com",
      "Name <id@example.com",
      "id@example.com\r\nBcc: x@y.com",
    ])
      expect(problems(() => load({ smtpUrl: "smtp://smtp.example.com", emailFrom: bad }))).toContain(
        'emailFrom (env FRONTDESK_EMAIL_FROM or "emailFrom" in the file): must be an address',
      );
    for (const good of [
      "id@example.com",
      "Frontdesk <no-reply@id.example.com>",
      '"Frontdesk, Inc." <id@example.com>',
    ])
      expect(load({ smtpUrl: "smtp://smtp.example.com", emailFrom: good }).emailFrom).toBe(good);
  });
});
