import type { Logger } from "pino";
import { backoffDelay, OutboxRounds } from "../../storage/outbox-rounds.js";
import { newId } from "../../tokens/opaque.js";
import type { BackgroundWorker } from "../contract.js";
import type { Deliver } from "./delivery.js";
import type { LogoutOutbox, OutboxEntry } from "./outbox.js";

/** When and how often the worker acts. Milliseconds. */
export interface DeliveryTiming {
  /** Between rounds when nothing was due. */
  pollIntervalMs: number;
  /** How long a claim holds an entry: longer than one attempt's timeout. */
  leaseMs: number;
  /** The first retry's delay; each further one doubles it, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Give up after this many attempts, or once the entry is older than `maxAgeMs`. */
  maxAttempts: number;
  maxAgeMs: number;
  /** Entries claimed per round (delivered concurrently). */
  batchSize: number;
}

export interface DeliveryWorkerDeps {
  outbox: LogoutOutbox;
  deliver: Deliver;
  logger: Pick<Logger, "info" | "warn">;
  timing: DeliveryTiming;
  /** The clock, epoch milliseconds (injected by tests). */
  now?: () => number;
}

/** The delay before attempt `attempts + 1`: exponential, capped. */
export function retryDelay(timing: DeliveryTiming, attempts: number): number {
  return backoffDelay(timing.retryBaseMs, timing.retryMaxMs, attempts);
}

/**
 * Delivers the outbox in the background: each round claims the due entries (a lease,
 * so other instances skip them), attempts them, and removes the delivered, retries
 * the failed later (exponential backoff) and gives up, logged, after `maxAttempts` or
 * `maxAgeMs`. `runOnce` is one round, for tests with their own clock.
 */
export class LogoutDeliveryWorker implements BackgroundWorker {
  readonly name = "backchannel-logout-delivery";
  /** This process's claims are marked with it. */
  readonly owner = newId();
  private readonly rounds: OutboxRounds;
  private readonly now: () => number;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.rounds = new OutboxRounds(() => this.runOnce(), {
      pollIntervalMs: deps.timing.pollIntervalMs,
      batchSize: deps.timing.batchSize,
      // The store may be briefly unavailable: the next round tries again.
      onError: (error) => deps.logger.warn({ err: error }, "back-channel logout round failed"),
    });
  }

  start(): void {
    this.rounds.start();
  }

  /** Runs a round soon (an entry was just enqueued here); no-op when stopped. */
  kick(): void {
    this.rounds.kick();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: claims what is due and attempts it. Returns how many entries it attempted. */
  async runOnce(): Promise<number> {
    const { outbox, timing } = this.deps;
    const claimed = await outbox.claimDue(this.owner, this.now(), timing.leaseMs, timing.batchSize);
    await Promise.all(claimed.map((entry) => this.attempt(entry)));
    return claimed.length;
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const { outbox, timing, logger } = this.deps;
    const outcome = await this.deps.deliver(entry).catch((error: unknown) => ({
      result: "failed" as const,
      error: error instanceof Error ? error.message : String(error),
    }));
    const where = { client: entry.clientId, sid: entry.sid, jti: entry.jti, attempts: entry.attempts };
    if (outcome.result === "delivered") {
      await outbox.remove(entry.id, this.owner);
      logger.info({ ...where, action: "backchannel_logout.delivered" }, "back-channel logout delivered");
      return;
    }
    if (outcome.result === "dropped") {
      await outbox.remove(entry.id, this.owner);
      logger.warn({ ...where, reason: outcome.reason }, "back-channel logout dropped");
      return;
    }
    const now = this.now();
    if (entry.attempts >= timing.maxAttempts || now - entry.createdAt >= timing.maxAgeMs) {
      await outbox.remove(entry.id, this.owner);
      logger.warn(
        { ...where, error: outcome.error, action: "backchannel_logout.gave_up" },
        "back-channel logout given up",
      );
      return;
    }
    await outbox.retryAt(entry.id, this.owner, now + retryDelay(timing, entry.attempts), outcome.error);
  }
}
