import type { FastStore } from "../storage/fast/types.js";

const WINDOW = 15 * 60;
export const LIMITS = { perAccount: 5, perIp: 30 } as const;

/**
 * Limits wrong passwords per account name and per client IP over a 15-minute
 * window. Counts apply to names that do not exist too, so the answer never tells
 * which usernames are real.
 */
export class LoginThrottle {
  constructor(private readonly fast: FastStore) {}

  async blocked(username: string, ip: string): Promise<boolean> {
    const [account, address] = await Promise.all([
      this.fast.get("login-fail-user", username.toLowerCase()),
      this.fast.get("login-fail-ip", ip),
    ]);
    return Number(account ?? 0) >= LIMITS.perAccount || Number(address ?? 0) >= LIMITS.perIp;
  }

  /**
   * Counts an attempt against the account before the password is checked, so
   * concurrent guesses cannot all slip past `blocked`. False when over the limit.
   */
  async reserve(username: string): Promise<boolean> {
    return (
      (await this.fast.increment("login-fail-user", username.toLowerCase(), WINDOW)) <= LIMITS.perAccount
    );
  }

  /** A wrong password (already counted against the account by `reserve`). */
  async failed(ip: string): Promise<void> {
    await this.fast.increment("login-fail-ip", ip, WINDOW);
  }

  async succeeded(username: string): Promise<void> {
    await this.fast.delete("login-fail-user", username.toLowerCase());
  }
}
