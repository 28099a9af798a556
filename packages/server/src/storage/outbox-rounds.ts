/**
 * The loop that drives an outbox's delivery in the background (the mail outbox, the
 * back-channel logout outbox): one round at a time; the next one at once when the
 * round was full, else after the poll interval; `kick` asks for one now (something
 * was just enqueued here). A failed round (the store briefly unavailable) is
 * reported and the next round tries again.
 */
export class OutboxRounds {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<number> | undefined;
  private running = false;

  constructor(
    /** One round; returns how many entries it attempted. */
    private readonly runRound: () => Promise<number>,
    private readonly options: { pollIntervalMs: number; batchSize: number; onError(error: unknown): void },
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Runs a round soon; no-op when stopped or while one is under way. */
  kick(): void {
    if (this.running && !this.round) this.schedule(0);
  }

  /** Stops the loop and waits for the round in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round?.catch(() => 0);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.loop(), delay);
    this.timer.unref();
  }

  private loop(): void {
    if (!this.running || this.round) return;
    this.round = this.runRound()
      .catch((error: unknown) => {
        this.options.onError(error);
        return 0;
      })
      .finally(() => {
        this.round = undefined;
      });
    void this.round.then((attempted) => {
      if (this.running) this.schedule(attempted >= this.options.batchSize ? 0 : this.options.pollIntervalMs);
    });
  }
}

/** The delay before attempt `attempts + 1`: `base` doubling per attempt, capped at `max`. */
export function backoffDelay(base: number, max: number, attempts: number): number {
  return Math.min(max, base * 2 ** Math.min(Math.max(0, attempts - 1), 30));
}
