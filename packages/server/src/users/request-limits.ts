import type { FastStore } from "../storage/fast/types.js";
import { hashToken } from "../tokens/opaque.js";

/** One counter of a limit: a key (an address, an IP) and how many requests a window allows. */
export interface LimitKey {
  key: string;
  limit: number;
}

/** A request may go on, or must wait `retryAfter` seconds. */
export type LimitDecision = { ok: true } | { ok: false; retryAfter: number };

/**
 * Fixed-window request counters in the fast store (shared by every instance), for
 * requests that send email or create accounts: password-reset requests per address
 * and per IP, registrations per IP. Every request counts, allowed or not, so a flood
 * keeps itself out; keys are stored hashed (addresses are personal data).
 */
export class RequestLimits {
  constructor(
    private readonly fast: FastStore,
    /** The counters' namespace: one per kind of request. */
    private readonly name: string,
    /** Window length in seconds. */
    private readonly window: number,
  ) {}

  /** Counts the request against each key; refused when any key is over its limit. */
  async take(keys: readonly LimitKey[]): Promise<LimitDecision> {
    const counts = await Promise.all(
      keys.map((k) => this.fast.increment(`limit-${this.name}`, hashToken(k.key), this.window)),
    );
    return counts.every((count, i) => count <= (keys[i] as LimitKey).limit)
      ? { ok: true }
      : { ok: false, retryAfter: this.window };
  }
}
