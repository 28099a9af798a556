import type { Logger } from "pino";
import type { BackgroundWorker } from "../contract.js";

/**
 * Work a request starts after its answer is decided, so the answer's timing cannot
 * depend on it (whether an account exists, a link was issued, a message enqueued).
 * A failure is logged, never shown. As a worker, the server waits for what is still
 * running before it closes.
 */
export class AfterAnswer implements BackgroundWorker {
  readonly name = "password-reset-requests";
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Pick<Logger, "error">) {}

  /** Starts `work` on the next turn of the event loop, once the answer is on its way. */
  run(work: () => Promise<void>): void {
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.logger.error({ err: error }, "password reset request failed"))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  start(): void {}

  async stop(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
