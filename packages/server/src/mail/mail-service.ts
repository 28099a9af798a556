import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { KeyEncryption } from "../keys/key-encryption.js";
import type { MailOutboxRepository } from "../storage/durable/types.js";
import { newId } from "../tokens/opaque.js";
import { checkMessage, type MailBody, type MailMessage } from "./message.js";
import { type MailTransport, smtpTransport } from "./transport.js";
import { DEFAULT_MAIL_TIMING, MailDeliveryWorker, type MailTiming } from "./worker.js";

/** How messages leave: over SMTP (smtpUrl set), or written to the log (no smtpUrl). */
export type MailDelivery = "smtp" | "log";

/** The core `mail` service features use. */
export interface Mail {
  readonly delivery: MailDelivery;
  /**
   * Puts a message into the durable outbox and returns: delivery is the worker's, in
   * the background, so a mail server that is down delays the message, never fails
   * the request. Without SMTP, writes the message to the log instead.
   */
  send(message: MailMessage): Promise<void>;
}

export interface MailServiceOptions {
  config: Pick<Config, "issuer" | "mode" | "smtpUrl" | "emailFrom" | "keyEncryptionSecret">;
  outbox: MailOutboxRepository;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Default: SMTP from `smtpUrl` (tests may hand another). */
  transport?: MailTransport;
  timing?: Partial<MailTiming>;
  now?: () => number;
}

/** The key the outbox bodies are sealed under (derived from keyEncryptionSecret). */
export function outboxSealing(secret: string): KeyEncryption {
  return new KeyEncryption(secret, "mail-outbox/v1");
}

/**
 * Email for every entry point (server and CLI alike enqueue; only a server's worker
 * delivers). Bodies are sealed in the outbox, because their links are secrets.
 */
export class MailService implements Mail {
  readonly delivery: MailDelivery;
  /** The background delivery of a server (smtp only); the composition root starts it. */
  readonly worker: MailDeliveryWorker | undefined;
  private readonly sealing: KeyEncryption;
  private readonly now: () => number;

  constructor(private readonly options: MailServiceOptions) {
    const { config } = options;
    this.delivery = config.smtpUrl ? "smtp" : "log";
    this.sealing = outboxSealing(config.keyEncryptionSecret);
    this.now = options.now ?? Date.now;
    this.worker =
      config.smtpUrl && config.emailFrom
        ? new MailDeliveryWorker({
            outbox: options.outbox,
            transport: options.transport ?? smtpTransport(config.smtpUrl),
            sealing: this.sealing,
            from: config.emailFrom,
            domain: new URL(config.issuer).hostname,
            logger: options.logger,
            timing: { ...DEFAULT_MAIL_TIMING, ...options.timing },
            now: options.now,
          })
        : undefined;
  }

  async send(message: MailMessage): Promise<void> {
    checkMessage(message);
    if (this.delivery === "log") return this.writeToLog(message);
    const id = newId();
    const body: MailBody = { text: message.text, html: message.html };
    await this.options.outbox.enqueue({
      id,
      kind: message.kind,
      recipient: message.to,
      subject: message.subject,
      body: await this.sealing.seal(id, body),
      createdAt: this.now(),
    });
    this.worker?.kick();
  }

  /** Says at start-up how email leaves this server (the worker says it for SMTP). */
  announce(): void {
    if (this.delivery === "smtp") return;
    this.options.logger.warn(
      { email: { delivery: "log" } },
      this.options.config.mode === "production"
        ? "EMAIL: no smtpUrl: messages are not sent, and production mode does not log their contents; set smtpUrl and emailFrom"
        : "EMAIL: no smtpUrl: each message is written to this log instead of being sent (development mode)",
    );
  }

  /**
   * No SMTP: development writes the whole text part (with its links) to the log, so a
   * developer can follow them; production writes only who and what, never the body.
   */
  private writeToLog(message: MailMessage): void {
    const email = { to: message.to, subject: message.subject, kind: message.kind };
    if (this.options.config.mode === "production") {
      this.options.logger.warn(
        { email },
        `EMAIL (not sent: no smtpUrl) to ${message.to}: ${message.subject} (contents not logged in production)`,
      );
      return;
    }
    this.options.logger.warn(
      { email: { ...email, text: message.text } },
      `EMAIL (not sent: no smtpUrl) to ${message.to}\nSubject: ${message.subject}\n\n${message.text}`,
    );
  }
}
