import type { JWTPayload } from "jose";
import type { RevocationCheck } from "./check.js";
import type { RevocationSet } from "./set.js";

/** A running revocation feed: keeps a {@link RevocationSet} up to date until closed. */
export interface RevocationFeed extends RevocationCheck {
  /** The set this feed fills. */
  readonly set: RevocationSet;
  /** Resolves once the first snapshot / catch-up has been applied. */
  readonly ready: Promise<void>;
  /** Stops the feed (and the set's sweep timer if the feed created the set). */
  close(): Promise<void>;
}

/** Reports feed errors (network, bad answers); by default they are silently retried. */
export type FeedErrorHandler = (error: unknown) => void;

/**
 * Exponential backoff with full jitter, for feed reconnects.
 *
 * @example
 * ```ts
 * await sleep(backoffDelay(attempt, 250, 30_000), signal);
 * ```
 */
export function backoffDelay(attempt: number, base: number, max: number): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.floor(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Resolves after `ms`, or early when `signal` aborts. The timer does not keep the process alive.
 *
 * @example
 * ```ts
 * await sleep(1000, controller.signal);
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Shared `isRevoked` for feeds: delegates to the set.
 *
 * @example
 * ```ts
 * return { set, isRevoked: feedCheck(set), ready, close };
 * ```
 */
export function feedCheck(set: RevocationSet): (claims: JWTPayload) => boolean {
  return (claims) => set.isRevoked(claims);
}

/**
 * A promise that can be resolved from outside (for `ready`).
 *
 * @example
 * ```ts
 * const ready = deferred();
 * ready.resolve(); // after the first snapshot
 * ```
 */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
