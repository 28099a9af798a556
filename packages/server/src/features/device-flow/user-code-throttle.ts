import type { FastStore } from "../../storage/fast/types.js";

/** Wrong user codes are counted over fixed windows of this many seconds. */
export const USER_CODE_WINDOW = 15 * 60;

export interface UserCodeLimits {
  /** Wrong user codes from one source IP per window. */
  perIp: number;
  /** Wrong user codes from everywhere per window (a distributed guesser). */
  total: number;
}

/**
 * Rate limit of wrong user codes on the verification page (RFC 8628 §5.1): a user
 * code has about 34 bits, so guessing must stay far too slow to find a live one.
 * Counters live in the fast store, shared by every instance.
 */
export class UserCodeThrottle {
  constructor(
    private readonly fast: FastStore,
    private readonly limits: UserCodeLimits,
  ) {}

  /** Whether this source may try a user code now (neither its own nor the overall limit is reached). */
  async admits(ip: string): Promise<boolean> {
    const [own, all] = await Promise.all([
      this.fast.get("device-fail-ip", ip),
      this.fast.get("device-fail-all", "all"),
    ]);
    return Number(own ?? 0) < this.limits.perIp && Number(all ?? 0) < this.limits.total;
  }

  /** Counts a wrong user code against the source and overall. */
  async failed(ip: string): Promise<void> {
    await Promise.all([
      this.fast.increment("device-fail-ip", ip, USER_CODE_WINDOW),
      this.fast.increment("device-fail-all", "all", USER_CODE_WINDOW),
    ]);
  }
}
