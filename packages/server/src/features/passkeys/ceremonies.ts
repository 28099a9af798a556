import type { FastifyReply, FastifyRequest } from "fastify";
import { type CookieNames, clearStepCookie, readCookie, setStepCookie } from "../../sessions/cookies.js";
import type { FastStore } from "../../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";

/**
 * What a WebAuthn ceremony is for: `sign-in` (a discoverable passkey, no username),
 * `second-factor` (after a first factor, or a step-up), `register` (from the account
 * page), `enrol` (set up right after a first factor, which it then completes).
 */
export type CeremonyKind = "sign-in" | "second-factor" | "register" | "enrol";

/** A challenge the library made, waiting for the browser's answer. */
export interface Ceremony {
  kind: CeremonyKind;
  challenge: string;
  /** Whose ceremony it is (not known for a username-less sign-in). */
  userId?: string;
  /** Registration from the account page: the session that asked. */
  sid?: string;
}

const NS = "passkey-ceremony";
/** Long enough to find the security key, short enough that a challenge does not linger. */
export const CEREMONY_TTL = 5 * 60;

/**
 * Pending ceremonies, in the fast store (any instance can finish one). The browser
 * that started holds a random token in an HttpOnly cookie; the record is keyed by its
 * hash and used up by the answer (atomic consume): a challenge is answered once, and
 * only by the browser it was given to. One at a time per browser: a new one replaces it.
 */
export class Ceremonies {
  constructor(
    private readonly fast: FastStore,
    private readonly cookies: CookieNames,
  ) {}

  async start(reply: FastifyReply, ceremony: Ceremony): Promise<void> {
    const token = newOpaqueToken();
    await this.fast.set(NS, hashToken(token), JSON.stringify(ceremony), CEREMONY_TTL);
    setStepCookie(reply, this.cookies, "passkey", token, CEREMONY_TTL);
  }

  /** This browser's pending ceremony of `kind`, used up whatever its kind; undefined when there is none. */
  async finish(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: CeremonyKind,
  ): Promise<Ceremony | undefined> {
    const token = readCookie(request, this.cookies.passkey);
    clearStepCookie(reply, this.cookies, "passkey");
    if (!token || token.length > 128) return undefined;
    const raw = await this.fast.consume(NS, hashToken(token));
    const ceremony = raw ? (JSON.parse(raw) as Ceremony) : undefined;
    return ceremony?.kind === kind ? ceremony : undefined;
  }
}
