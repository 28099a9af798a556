import type { FastStore } from "../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../tokens/opaque.js";

const WINDOW = 15 * 60;
/** How long a browser stays known after a successful sign-in (cookie Max-Age and store TTL). */
export const DEVICE_TTL = 90 * 24 * 60 * 60;
export const LIMITS = {
  /** Wrong passwords per (account, source IP) before that pair waits out the window. */
  perAccountIp: 5,
  /** Wrong passwords per account, from all sources, before unknown browsers are slowed down. */
  perAccount: 10,
  /** Wrong passwords per source IP, over all accounts. */
  perIp: 30,
  /** Wrong passwords from one known browser before it counts as unknown. */
  perDevice: 5,
} as const;
/** Account-wide slow-down: the first delay and its cap, in seconds (doubling in between). */
export const SLOW_DOWN = { first: 30, max: 5 * 60 } as const;

/** Seconds unknown browsers wait before the next attempt once an account has seen `attempts` failures. */
export function slowDownDelay(attempts: number): number {
  const over = attempts - LIMITS.perAccount - 1;
  if (over < 0) return 0;
  return Math.min(SLOW_DOWN.first * 2 ** Math.min(over, 20), SLOW_DOWN.max);
}

/** An attempt may go on to the password check, or must wait `retryAfter` seconds. */
export type Admission = { ok: true; knownDevice: boolean } | { ok: false; retryAfter: number };

/**
 * Throttles password sign-in the OWASP way: it slows a guesser down without locking
 * the owner out.
 *
 * - per source IP (all accounts) and per (account, source IP): a 15-minute window;
 * - per account (all sources): past the limit, unknown browsers get one attempt per
 *   growing delay (30 s doubling to 5 min) instead of a lock;
 * - a browser that signed in to the account before carries a device cookie (a random
 *   value, stored here hashed under the account): it skips the account and
 *   (account, IP) limits, and has its own limit of wrong passwords.
 *
 * Every key is the username exactly as typed (usernames are case-sensitive), and
 * unknown names are counted the same way, so the answers never tell which are real.
 */
export class LoginThrottle {
  constructor(
    private readonly fast: FastStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Decides whether an attempt may check the password. Counts it against the limits
   * before the check, so concurrent guesses cannot all slip past.
   */
  async admit(username: string, ip: string, deviceToken: string | undefined): Promise<Admission> {
    if (Number((await this.fast.get("login-fail-ip", ip)) ?? 0) >= LIMITS.perIp)
      return { ok: false, retryAfter: WINDOW };
    if (deviceToken && (await this.isKnownDevice(username, deviceToken))) {
      const failures = await this.fast.increment(
        "login-fail-device",
        deviceKey(username, deviceToken),
        WINDOW,
      );
      if (failures <= LIMITS.perDevice) return { ok: true, knownDevice: true };
    }
    const pair = pairKey(username, ip);
    if (Number((await this.fast.get("login-fail-user-ip", pair)) ?? 0) >= LIMITS.perAccountIp)
      return { ok: false, retryAfter: WINDOW };
    const waiting = await this.waitingFor(username);
    if (waiting > 0) return { ok: false, retryAfter: waiting };
    await this.fast.addToSet("login-fail-user-ips", username, ip, WINDOW);
    if ((await this.fast.increment("login-fail-user-ip", pair, WINDOW)) > LIMITS.perAccountIp)
      return { ok: false, retryAfter: WINDOW };
    const attempts = await this.fast.increment("login-fail-user", username, WINDOW);
    const delay = slowDownDelay(attempts);
    if (delay > 0 && !(await this.takeSlot(username, delay))) {
      return { ok: false, retryAfter: Math.max(1, await this.waitingFor(username)) };
    }
    return { ok: true, knownDevice: false };
  }

  /** A wrong password (already counted against the account by `admit`). */
  async failed(ip: string): Promise<void> {
    await this.fast.increment("login-fail-ip", ip, WINDOW);
  }

  /**
   * The right password: clears the counters this attempt went through, and returns
   * the device cookie value to set (the browser's own, or a new one). A known
   * browser leaves the account-wide count alone, so the owner signing in during an
   * attack does not hand the guesser fresh attempts.
   */
  async succeeded(
    username: string,
    ip: string,
    deviceToken: string | undefined,
    knownDevice: boolean,
  ): Promise<string> {
    const token = deviceToken ?? newOpaqueToken();
    const counters = knownDevice
      ? [this.fast.delete("login-fail-device", deviceKey(username, token))]
      : [
          this.fast.delete("login-fail-user", username),
          this.fast.delete("login-slow-user", username),
          this.fast.delete("login-fail-user-ip", pairKey(username, ip)),
        ];
    await Promise.all([
      ...counters,
      this.fast.addToSet("login-device", username, hashToken(token), DEVICE_TTL),
    ]);
    return token;
  }

  /**
   * Clears every counter of the account (`frontdesk user unlock`): account-wide, the
   * slow-down, per (account, IP) and per known browser. Per-IP counts span accounts
   * and are left to expire.
   */
  async unlock(username: string): Promise<void> {
    const [ips, devices] = await Promise.all([
      this.fast.setMembers("login-fail-user-ips", username),
      this.fast.setMembers("login-device", username),
    ]);
    await Promise.all([
      this.fast.delete("login-fail-user", username),
      this.fast.delete("login-slow-user", username),
      this.fast.delete("login-fail-user-ips", username),
      ...ips.map((ip) => this.fast.delete("login-fail-user-ip", pairKey(username, ip))),
      ...devices.map((hash) => this.fast.delete("login-fail-device", JSON.stringify([username, hash]))),
    ]);
  }

  private async isKnownDevice(username: string, token: string): Promise<boolean> {
    return (await this.fast.setMembers("login-device", username)).includes(hashToken(token));
  }

  /** Seconds until the account's slow-down lets the next unknown browser try (0: now). */
  private async waitingFor(username: string): Promise<number> {
    const until = Number((await this.fast.get("login-slow-user", username)) ?? 0);
    return Math.max(0, Math.ceil((until - this.now()) / 1000));
  }

  /** The one attempt per delay: of concurrent callers, at most one gets the slot. */
  private async takeSlot(username: string, delay: number): Promise<boolean> {
    const until = String(this.now() + delay * 1000);
    if (await this.fast.setIfAbsent("login-slow-user", username, until, delay)) return true;
    // The stored slot may have run out by our clock before the store let it expire.
    if ((await this.waitingFor(username)) > 0) return false;
    await this.fast.consume("login-slow-user", username);
    return this.fast.setIfAbsent("login-slow-user", username, until, delay);
  }
}

function pairKey(username: string, ip: string): string {
  return JSON.stringify([username, ip]);
}

function deviceKey(username: string, token: string): string {
  return JSON.stringify([username, hashToken(token)]);
}
