import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { defineFeature } from "../../src/features/contract.js";
import { buildFeatures } from "../../src/features/registry.js";
import { createLogger } from "../../src/logging/logger.js";
import { MailService, outboxSealing } from "../../src/mail/mail-service.js";
import { InvalidMailMessage } from "../../src/mail/message.js";
import { requireMail } from "../../src/mail/require-mail.js";
import { loadServerConfig } from "../../src/main/config.js";
import { closeContext, createContext } from "../../src/main/services.js";
import { emailParts } from "../../src/pages/emails.js";
import { openSqliteStore } from "../../src/storage/durable/sqlite.js";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { createUser } from "../../src/users/users.js";
import { memoryLogDestination, tempDir } from "../helpers/server.js";

const SECRET = "k".repeat(40);
const LINK = "http://localhost:3000/account/verify-email?token=Link-Token-That-Is-A-Secret";
const message = {
  to: "alice@example.test",
  kind: "verify-email",
  ...emailParts({
    subject: "Confirm your email address",
    greeting: "Hello alice,",
    paragraphs: ["Please confirm."],
    action: { label: "Confirm", url: LINK },
  }),
};
const config = (over: Record<string, unknown> = {}) => ({
  issuer: "http://localhost:3000",
  mode: "development" as const,
  keyEncryptionSecret: SECRET,
  smtpUrl: undefined as string | undefined,
  emailFrom: undefined as string | undefined,
  ...over,
});

describe("the mail service", () => {
  let store: DurableStore;
  beforeAll(async () => {
    store = await openSqliteStore(":memory:");
  });
  afterAll(() => store.close());

  it("without smtpUrl in development writes the whole message to the log, clearly marked, and enqueues nothing", async () => {
    const logs = memoryLogDestination();
    const mail = new MailService({
      config: config(),
      outbox: store.mailOutbox,
      logger: createLogger("info", logs),
    });
    expect(mail.delivery).toBe("log");
    expect(mail.worker).toBeUndefined();
    mail.announce();
    await mail.send(message);
    const [announced, written] = logs.lines;
    expect(announced?.msg).toMatch(/^EMAIL: no smtpUrl: each message is written to this log/);
    expect(written?.level).toBe(40);
    expect(written?.msg).toMatch(/^EMAIL \(not sent: no smtpUrl\) to alice@example\.test\nSubject: Confirm/);
    expect(written?.msg).toContain(LINK);
    expect(await store.mailOutbox.list()).toEqual([]);
  });

  it("without smtpUrl in production logs who and what, never the body (its links are secrets)", async () => {
    const logs = memoryLogDestination();
    const mail = new MailService({
      config: config({ mode: "production" }),
      outbox: store.mailOutbox,
      logger: createLogger("info", logs),
    });
    mail.announce();
    await mail.send(message);
    expect(logs.lines.map((l) => l.msg).join("\n")).toMatch(/production mode does not log their contents/);
    expect(logs.lines[1]?.msg).toBe(
      "EMAIL (not sent: no smtpUrl) to alice@example.test: Confirm your email address (contents not logged in production)",
    );
    expect(JSON.stringify(logs.lines)).not.toContain("Link-Token");
  });

  it("with smtpUrl seals both parts in the outbox under a key of its own, bound to the message", async () => {
    const mail = new MailService({
      config: config({ smtpUrl: "smtp://127.0.0.1:1", emailFrom: "no-reply@example.test" }),
      outbox: store.mailOutbox,
      logger: createLogger("silent"),
    });
    expect(mail.delivery).toBe("smtp");
    await mail.send(message);
    const [row] = await store.mailOutbox.list();
    expect(row).toMatchObject({ recipient: "alice@example.test", kind: "verify-email", status: "pending" });
    expect(row?.subject).toBe("Confirm your email address");
    expect(row?.body).not.toContain("Link-Token");
    expect(row?.body).not.toContain("Hello");
    const sealing = outboxSealing(SECRET);
    expect(await sealing.open(row?.id as string, row?.body as string)).toEqual({
      text: message.text,
      html: message.html,
    });
    await expect(sealing.open("another-id", row?.body as string)).rejects.toThrow();
    await expect(
      outboxSealing("z".repeat(40)).open(row?.id as string, row?.body as string),
    ).rejects.toThrow();
  });

  it("says at start where it delivers, without the SMTP password", async () => {
    const logs = memoryLogDestination();
    const mail = new MailService({
      config: config({ smtpUrl: "smtp://mailer:hunter2@127.0.0.1:1", emailFrom: "no-reply@example.test" }),
      outbox: store.mailOutbox,
      logger: createLogger("info", logs),
      timing: { pollIntervalMs: 60_000 },
    });
    mail.announce();
    mail.worker?.start();
    await mail.worker?.stop();
    expect(logs.lines.map((l) => l.msg)).toEqual([
      "email: delivering over SMTP (smtp://127.0.0.1:1) from no-reply@example.test",
    ]);
    expect(JSON.stringify(logs.lines)).not.toContain("hunter2");
  });

  it("refuses a message that would smuggle headers or several recipients, and enqueues nothing", async () => {
    const mail = new MailService({
      config: config({ smtpUrl: "smtp://127.0.0.1:1", emailFrom: "no-reply@example.test" }),
      outbox: store.mailOutbox,
      logger: createLogger("silent"),
    });
    const before = (await store.mailOutbox.list()).length;
    for (const bad of [
      { to: "alice@example.test\r\nBcc: eve@example.test" },
      { to: "alice@example.test, eve@example.test" },
      { to: "Alice <alice@example.test>" },
      { to: "not an address" },
      { subject: "Hi\r\nBcc: eve@example.test" },
      { subject: " " },
      { kind: "Not A Kind" },
    ])
      await expect(mail.send({ ...message, ...bad })).rejects.toThrow(InvalidMailMessage);
    expect(await store.mailOutbox.list()).toHaveLength(before);
  });
});

describe("features that need email", () => {
  const needsMail = defineFeature({
    name: "needsMail",
    build: (services) => {
      requireMail(services, "needsMail");
      return {};
    },
  });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const contextFor = (flags: Record<string, unknown>) => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    return createContext(
      loadServerConfig({ env: {}, flags: { dataDir, keyEncryptionSecret: SECRET, ...flags } }),
      createLogger("silent"),
    );
  };

  it("refuse to start in production without smtpUrl, naming what to set", async () => {
    const ctx = await contextFor({ mode: "production", issuer: "https://id.example.com" });
    try {
      const failure = await buildFeatures([needsMail], ctx).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).message).toContain(
        "features.needsMail sends email: production mode needs smtpUrl (env FRONTDESK_SMTP_URL",
      );
      expect((failure as ConfigError).message).toContain("features.needsMail.enabled=false");
    } finally {
      await closeContext(ctx);
    }
  });

  it("start in production with SMTP, and in development without it (the log stands in)", async () => {
    for (const flags of [
      {
        mode: "production",
        issuer: "https://id.example.com",
        smtpUrl: "smtps://mailer:pw@smtp.example.com:465",
        emailFrom: "Example <no-reply@example.com>",
      },
      {},
    ]) {
      const ctx = await contextFor(flags);
      try {
        await expect(buildFeatures([needsMail], ctx)).resolves.toHaveLength(1);
      } finally {
        await closeContext(ctx);
      }
    }
  });
});

describe("verification messages follow the account feature", () => {
  it("with the account feature off (nothing would serve the link) no message is sent", async () => {
    const dataDir = tempDir();
    const logs = memoryLogDestination();
    const ctx = await createContext(
      loadServerConfig({
        env: {},
        flags: { dataDir, keyEncryptionSecret: SECRET, features: { account: { enabled: false } } },
      }),
      createLogger("info", logs),
    );
    try {
      const user = await createUser(ctx, { username: "nolink", email: "nolink@example.test" });
      expect(await ctx.emailVerification.send(user)).toBe(false);
      expect(logs.lines.filter((l) => String(l.msg).startsWith("EMAIL"))).toEqual([]);
    } finally {
      await closeContext(ctx);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
