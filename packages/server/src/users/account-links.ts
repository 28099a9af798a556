import type {
  AccountLinkPurpose,
  AccountLinkRecord,
  AccountLinkRepository,
} from "../storage/durable/types.js";
import { digestsEqual, hashToken, newOpaqueToken } from "../tokens/opaque.js";

export type { AccountLinkPurpose, AccountLinkRecord };

/** What a link is issued for. */
export interface IssueAccountLink {
  purpose: AccountLinkPurpose;
  /** The person it is for; absent for an invitation to someone without an account yet. */
  userId?: string;
  /** The address it is sent to. */
  email: string;
  ttlSeconds: number;
  /**
   * State the link is bound to: the address it verifies, (a digest of) the password
   * it may replace. It is redeemed only with the same `bindTo`, so changing that
   * state invalidates every earlier link.
   */
  bindTo?: string;
  data?: Record<string, unknown>;
}

/** A token as `newOpaqueToken` makes them: 256 bits, base64url, 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_TTL = 30 * 24 * 3600;

/**
 * Single-use links sent by email (verify an address, reset a password, accept an
 * invitation): an opaque 256-bit token, stored only as its SHA-256; redeemed once
 * (`consume` is one atomic delete), before its expiry, and only while the state it is
 * bound to still holds. Any process can redeem a link another issued.
 */
export class AccountLinks {
  constructor(
    private readonly repo: AccountLinkRepository,
    private readonly issuer: string,
    /** The clock, epoch seconds (injected by tests). */
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Stores a new link and returns its token (the only copy: put it in the message, nowhere else). */
  async issue(input: IssueAccountLink): Promise<string> {
    if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0 || input.ttlSeconds > MAX_TTL)
      throw new RangeError(`ttlSeconds: a whole number of seconds, 1 to ${MAX_TTL}`);
    const token = newOpaqueToken();
    const now = this.now();
    // Links nobody followed go when the next one is made: the table holds live links only.
    await this.repo.deleteExpired(now);
    await this.repo.insert(hashToken(token), {
      purpose: input.purpose,
      userId: input.userId ?? null,
      email: input.email,
      bindTo: input.bindTo ?? null,
      data: input.data ?? {},
      createdAt: now,
      expiresAt: now + input.ttlSeconds,
    });
    return token;
  }

  /**
   * Redeems a link: its record, once. Undefined (and the link is used up) when the
   * token is malformed, unknown, expired, already used, for another purpose, or bound
   * to other state than `bindTo` (give the same `bindTo` it was issued with, or none).
   */
  async consume(
    purpose: AccountLinkPurpose,
    token: string,
    options: { bindTo?: string } = {},
  ): Promise<AccountLinkRecord | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const link = await this.repo.consume(hashToken(token), purpose, this.now());
    return link && sameBinding(link.bindTo, options.bindTo) ? link : undefined;
  }

  /**
   * Reads a live link without using it up (a page that shows what the link will do
   * before the person confirms: mail scanners follow links, so only a POST redeems).
   * It does not check `bindTo`: compare the record's yourself; `consume` checks it.
   */
  async peek(purpose: AccountLinkPurpose, token: string): Promise<AccountLinkRecord | undefined> {
    if (!TOKEN.test(token)) return undefined;
    return this.repo.find(hashToken(token), purpose, this.now());
  }

  /** Invalidates every link of that purpose for the user (a new one was sent, the state changed). */
  revokeAll(purpose: AccountLinkPurpose, userId: string): Promise<number> {
    return this.repo.deleteOf(purpose, userId);
  }

  /** The absolute link to put in a message: `ISSUER/path?token=…`. */
  linkUrl(path: string, token: string): string {
    if (!path.startsWith("/") || path.startsWith("//")) throw new RangeError(`path: absolute, got ${path}`);
    const url = new URL(`${this.issuer}${path}`);
    url.searchParams.set("token", token);
    return url.toString();
  }
}

function sameBinding(stored: string | null, given: string | undefined): boolean {
  if (stored === null || given === undefined) return stored === null && given === undefined;
  return digestsEqual(hashToken(stored), hashToken(given));
}
