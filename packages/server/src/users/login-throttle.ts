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

  async failed(username: string, ip: string): Promise<void> {
    await Promise.all([
      this.fast.increment("login-fail-user", username.toLowerCase(), WINDOW),
      this.fast.increment("login-fail-ip", ip, WINDOW),
    ]);
  }

  async succeeded(username: string): Promise<void> {
    await this.fast.delete("login-fail-user", username.toLowerCase());
  }
}
