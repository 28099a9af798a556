import type { FastStore } from "../../storage/fast/types.js";
import { USED_STEP_TTL } from "./totp.js";

/** Wrong codes per account and kind of code before it must wait the window out. */
export interface AttemptLimit {
  failures: number;
  /** Seconds. */
  window: number;
}

/** An attempt may check its code, or must wait `retryAfter` seconds. */
export type CodeAdmission = { ok: true } | { ok: false; retryAfter: number };

/**
 * Limits code guessing per account, in the fast store so every instance counts the
 * same attempts. An attempt is counted before its code is checked (concurrent guesses
 * cannot all slip past); past the limit even the right code waits. Only this kind of
 * code waits: a password, a passkey or (for one-time codes) a recovery code still work.
 */
export class CodeAttempts {
  constructor(
    private readonly fast: FastStore,
    /** `otp` or `recovery`: each has its own count. */
    private readonly kind: string,
    private readonly limit: AttemptLimit,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(userId: string): Promise<CodeAdmission> {
    const attempts = await this.fast.increment(`${this.kind}-attempts`, userId, this.limit.window);
    const seconds = Math.floor(this.now() / 1000);
    if (attempts === 1)
      await this.fast.set(
        `${this.kind}-attempts-until`,
        userId,
        String(seconds + this.limit.window),
        this.limit.window,
      );
    if (attempts <= this.limit.failures) return { ok: true };
    const until = Number((await this.fast.get(`${this.kind}-attempts-until`, userId)) ?? 0);
    return { ok: false, retryAfter: Math.max(1, Math.min(until - seconds, this.limit.window)) };
  }

  /** The right code: the count starts again (only someone holding a valid code gets here). */
  async succeeded(userId: string): Promise<void> {
    await Promise.all([
      this.fast.delete(`${this.kind}-attempts`, userId),
      this.fast.delete(`${this.kind}-attempts-until`, userId),
    ]);
  }
}

/**
 * Records a time step as used for a person; true when this call was first (RFC 6238
 * 5.2: a code is accepted once). Atomic in the fast store, so two instances given the
 * same code accept it once between them.
 */
export function claimStep(fast: FastStore, userId: string, step: number): Promise<boolean> {
  return fast.setIfAbsent("otp-used-step", `${userId}:${step}`, "1", USED_STEP_TTL);
}
