import type { FastifyReply, FastifyRequest } from "fastify";
import type { AcrValue } from "../oauth/assurance.js";
import { type CookieNames, clearStepCookie, readCookie, setStepCookie } from "../sessions/cookies.js";
import type { FastStore } from "../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../tokens/opaque.js";

/** A first factor done, waiting for the second: no session exists yet. */
export interface HeldSignIn {
  userId: string;
  amr: string[];
  idp?: string;
  authTime?: number;
  interactionId?: string;
  returnTo?: string;
  /** The level the second step must reach. */
  required: AcrValue;
  heldAt: number;
}

const NS = "held-sign-in";
/** Long enough to find a phone, short enough that an unattended browser does not keep it. */
export const HELD_TTL = 10 * 60;

/**
 * Sign-ins between their first and second factor. The browser holds a random token in
 * an HttpOnly cookie; the store is keyed by its hash (any instance can continue it).
 * Taking one is atomic: a second factor completes a held sign-in once.
 */
export class HeldSignIns {
  constructor(
    private readonly fast: FastStore,
    private readonly cookies: CookieNames,
  ) {}

  async hold(reply: FastifyReply, held: Omit<HeldSignIn, "heldAt">): Promise<void> {
    const token = newOpaqueToken();
    const record: HeldSignIn = { ...held, heldAt: Math.floor(Date.now() / 1000) };
    await this.fast.set(NS, hashToken(token), JSON.stringify(record), HELD_TTL);
    setStepCookie(reply, this.cookies, "held", token, HELD_TTL);
  }

  /** This browser's held sign-in, left in place. */
  async peek(request: FastifyRequest): Promise<HeldSignIn | undefined> {
    const token = readCookie(request, this.cookies.held);
    if (!token || token.length > 128) return undefined;
    const raw = await this.fast.get(NS, hashToken(token));
    return raw ? (JSON.parse(raw) as HeldSignIn) : undefined;
  }

  /** Takes this browser's held sign-in: of concurrent takers, one gets it. */
  async take(request: FastifyRequest, reply: FastifyReply): Promise<HeldSignIn | undefined> {
    const token = readCookie(request, this.cookies.held);
    if (!token || token.length > 128) return undefined;
    clearStepCookie(reply, this.cookies, "held");
    const raw = await this.fast.consume(NS, hashToken(token));
    return raw ? (JSON.parse(raw) as HeldSignIn) : undefined;
  }

  /** Drops this browser's held sign-in (the person chose another way, or signed out). */
  async drop(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.take(request, reply);
  }
}
