import type { FastStore } from "../../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import { newUserCode } from "./user-code.js";

/** What the device asked for (RFC 8628 §3.1), stored under the device code's hash. */
export interface DeviceAuthorization {
  clientId: string;
  scopes: string[];
  audience: string;
  /** The user code, normalized (upper case, no dash). */
  userCode: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** The person's answer on the verification page. */
export type DeviceDecision =
  | {
      status: "approved";
      userId: string;
      sid: string;
      authTime: number;
      amr: string[];
      acr: string | null;
      idp?: string;
    }
  | { status: "denied" };

/** What one poll of the token endpoint finds. */
export type PollResult =
  | { state: "unknown" | "spent" | "expired" | "denied" | "slow_down" | "pending" }
  | {
      state: "approved";
      authorization: DeviceAuthorization;
      approval: Extract<DeviceDecision, { status: "approved" }>;
    };

const NS = "device";
const NS_USER_CODE = "device-user";
const NS_POLL = "device-poll";
const NS_DECISION = "device-decision";
const NS_SPENT = "device-spent";
/** Records outlive `expires_in` by this much, so a late poll gets expired_token rather than invalid_grant. */
const EXPIRED_GRACE = 10 * 60;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval. */
export const SLOW_DOWN_STEP = 5;

interface PollState {
  /** Milliseconds since the epoch of the last poll. */
  last: number;
  interval: number;
}

/**
 * Device codes (RFC 8628) in the fast store, so any instance serves any step. The
 * device code (256 bits) is stored only hashed; the user code maps to that hash. The
 * person's decision, the polling state and the spent marker are separate keys, each
 * written by one step, so a poll never overwrites an approval that lands meanwhile.
 */
export class DeviceCodes {
  constructor(
    private readonly fast: FastStore,
    private readonly options: { ttl: number; interval: number },
    private readonly now: () => number = Date.now,
  ) {}

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Starts a device authorization: a new device code and a user code not in use. */
  async create(input: Omit<DeviceAuthorization, "userCode" | "expiresAt">) {
    const deviceCode = newOpaqueToken();
    const key = hashToken(deviceCode);
    const keep = this.options.ttl + EXPIRED_GRACE;
    let userCode = newUserCode();
    for (
      let tries = 0;
      !(await this.fast.setIfAbsent(NS_USER_CODE, userCode, key, this.options.ttl));
      tries++
    ) {
      if (tries > 5) throw new Error("could not find a free user code");
      userCode = newUserCode();
    }
    const authorization: DeviceAuthorization = {
      ...input,
      userCode,
      expiresAt: this.seconds() + this.options.ttl,
    };
    await this.fast.set(NS, key, JSON.stringify(authorization), keep);
    return { deviceCode, userCode, expiresIn: this.options.ttl, interval: this.options.interval };
  }

  /** The pending authorization a (normalized) user code stands for: undefined when unknown, expired or decided. */
  async findByUserCode(
    userCode: string,
  ): Promise<{ key: string; authorization: DeviceAuthorization } | undefined> {
    const key = await this.fast.get(NS_USER_CODE, userCode);
    const raw = key && (await this.fast.get(NS, key));
    if (!key || !raw) return undefined;
    const authorization = JSON.parse(raw) as DeviceAuthorization;
    if (authorization.expiresAt <= this.seconds()) return undefined;
    if (await this.fast.get(NS_DECISION, key)) return undefined;
    return { key, authorization };
  }

  /** Records the person's answer: the first answer wins (false when already answered or expired). */
  async decide(key: string, decision: DeviceDecision): Promise<boolean> {
    const raw = await this.fast.get(NS, key);
    if (!raw) return false;
    const authorization = JSON.parse(raw) as DeviceAuthorization;
    const left = authorization.expiresAt - this.seconds();
    if (left <= 0) return false;
    const stored = await this.fast.setIfAbsent(
      NS_DECISION,
      key,
      JSON.stringify(decision),
      left + EXPIRED_GRACE,
    );
    if (stored) await this.fast.delete(NS_USER_CODE, authorization.userCode);
    return stored;
  }

  /**
   * One poll by the client (RFC 8628 §3.5). Another client's or an unknown code
   * changes nothing; an early poll raises the interval by 5 s; an approval is handed
   * out exactly once, even to concurrent polls.
   */
  async poll(deviceCode: string, clientId: string): Promise<PollResult> {
    const key = hashToken(deviceCode);
    const raw = await this.fast.get(NS, key);
    if (!raw) return { state: "unknown" };
    const authorization = JSON.parse(raw) as DeviceAuthorization;
    if (authorization.clientId !== clientId) return { state: "unknown" };
    if (await this.fast.get(NS_SPENT, key)) return { state: "spent" };
    if (authorization.expiresAt <= this.seconds()) return { state: "expired" };
    const decisionRaw = await this.fast.get(NS_DECISION, key);
    const decision = decisionRaw ? (JSON.parse(decisionRaw) as DeviceDecision) : undefined;
    if (decision?.status === "denied") return { state: "denied" };
    if (decision?.status === "approved") {
      const keep = authorization.expiresAt - this.seconds() + EXPIRED_GRACE;
      if (!(await this.fast.setIfAbsent(NS_SPENT, key, "1", keep))) return { state: "spent" };
      await this.fast.delete(NS_DECISION, key);
      return { state: "approved", authorization, approval: decision };
    }
    return (await this.tooEarly(key, authorization)) ? { state: "slow_down" } : { state: "pending" };
  }

  /** Records this poll; true when it came sooner than the interval (which then grows by 5 s). */
  private async tooEarly(key: string, authorization: DeviceAuthorization): Promise<boolean> {
    const now = this.now();
    const raw = await this.fast.get(NS_POLL, key);
    const previous = raw ? (JSON.parse(raw) as PollState) : undefined;
    const interval = previous?.interval ?? this.options.interval;
    const early = previous !== undefined && now - previous.last < interval * 1000;
    const state: PollState = { last: now, interval: early ? interval + SLOW_DOWN_STEP : interval };
    const keep = Math.max(1, authorization.expiresAt - Math.floor(now / 1000) + EXPIRED_GRACE);
    await this.fast.set(NS_POLL, key, JSON.stringify(state), keep);
    return early;
  }
}
