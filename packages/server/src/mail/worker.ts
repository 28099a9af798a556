import type { Logger } from "pino";
import type { KeyEncryption } from "../keys/key-encryption.js";
import type { MailOutboxRecord, MailOutboxRepository } from "../storage/durable/types.js";
import { backoffDelay, OutboxRounds } from "../storage/outbox-rounds.js";
import { newId } from "../tokens/opaque.js";
import type { MailBody } from "./message.js";
import type { MailTransport } from "./transport.js";

/** When and how often the worker acts. Milliseconds. */
export interface MailTiming {
  /** Between rounds when nothing was due. */
  pollIntervalMs: number;
  /** How long a claim holds a message: longer than one attempt can take. */
  leaseMs: number;
  /** The first retry's delay; each further one doubles it, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** After this many failed attempts the message is marked failed (kept, logged). */
  maxAttempts: number;
  /** Messages claimed per round (sent concurrently). */
  batchSize: number;
}

/** About 13 hours of retries (10 s doubling to 1 h, 20 attempts) before a message is marked failed. */
export const DEFAULT_MAIL_TIMING: MailTiming = {
  pollIntervalMs: 1_000,
  leaseMs: 120_000,
  retryBaseMs: 10_000,
  retryMaxMs: 3_600_000,
  maxAttempts: 20,
  batchSize: 5,
};

export interface MailWorkerDeps {
  outbox: MailOutboxRepository;
  transport: MailTransport;
  sealing: KeyEncryption;
  from: string;
  /** The host of Message-IDs (the issuer's). */
  domain: string;
  logger: Pick<Logger, "info" | "warn" | "error">;
  timing: MailTiming;
  /** The clock, epoch milliseconds (injected by tests). */
  now?: () => number;
}

/** The delay before attempt `attempts + 1`: exponential, capped. */
export function mailRetryDelay(timing: MailTiming, attempts: number): number {
  return backoffDelay(timing.retryBaseMs, timing.retryMaxMs, attempts);
}

/**
 * Delivers the mail outbox in the background of a server (never the CLI): each round
 * claims the due messages (a lease, so other instances skip them), sends them, and
 * removes the delivered; a failure is retried later (exponential backoff, attempts
 * and the error recorded) and after `maxAttempts` the message is kept, marked failed,
 * and logged, with its kind and recipient but never its body (links are secrets).
 * `runOnce` is one round, for tests with their own clock.
 */
export class MailDeliveryWorker {
  readonly name = "mail-delivery";
  /** This process's claims are marked with it. */
  readonly owner = newId();
  private readonly rounds: OutboxRounds;
  private readonly now: () => number;

  constructor(private readonly deps: MailWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.rounds = new OutboxRounds(() => this.runOnce(), {
      pollIntervalMs: deps.timing.pollIntervalMs,
      batchSize: deps.timing.batchSize,
      // The store may be briefly unavailable: the next round tries again.
      onError: (error) =>
        deps.logger.warn({ err: { message: (error as Error).message } }, "email delivery round failed"),
    });
  }

  get isRunning(): boolean {
    return this.rounds.isRunning;
  }

  start(): void {
    if (this.rounds.isRunning) return;
    this.deps.logger.info(
      { email: { delivery: "smtp", target: this.deps.transport.target, from: this.deps.from } },
      `email: delivering over SMTP (${this.deps.transport.target}) from ${this.deps.from}`,
    );
    this.rounds.start();
  }

  /** Runs a round soon (a message was just enqueued here); no-op when stopped. */
  kick(): void {
    this.rounds.kick();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
    this.deps.transport.close();
  }

  /** One round: claims what is due and attempts it. Returns how many messages it attempted. */
  async runOnce(): Promise<number> {
    const { outbox, timing } = this.deps;
    const claimed = await outbox.claimDue(this.owner, this.now(), timing.leaseMs, timing.batchSize);
    await Promise.all(claimed.map((message) => this.attempt(message)));
    return claimed.length;
  }

  private async attempt(message: MailOutboxRecord): Promise<void> {
    const { outbox, timing, logger } = this.deps;
    const where = { mail: message.id, kind: message.kind, to: message.recipient, attempts: message.attempts };
    let error: string;
    try {
      const body = (await this.deps.sealing.open(message.id, message.body)) as unknown as MailBody;
      await this.deps.transport.send({
        messageId: `<${message.id}@${this.deps.domain}>`,
        from: this.deps.from,
        to: message.recipient,
        subject: message.subject,
        text: body.text,
        html: body.html,
      });
      await outbox.delivered(message.id, this.owner);
      logger.info({ ...where, action: "mail.delivered" }, "email delivered");
      return;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    if (message.attempts >= timing.maxAttempts) {
      await outbox.markFailed(message.id, this.owner, error);
      logger.error(
        { ...where, error, action: "mail.failed" },
        `email given up after ${message.attempts} attempts; kept in the outbox, marked failed`,
      );
      return;
    }
    const delay = mailRetryDelay(timing, message.attempts);
    await outbox.retryAt(message.id, this.owner, this.now() + delay, error);
    logger.warn(
      { ...where, error, retryInMs: delay, action: "mail.retry" },
      "email not delivered; will retry",
    );
  }
}
