import type { FastifyReply, FastifyRequest } from "fastify";
import { type CookieNames, readCookie } from "../../sessions/cookies.js";
import type { FastStore } from "../../storage/fast/types.js";
import { digestsEqual, hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import type { UpstreamProfile } from "./exchange.js";

/** A sign-in sent to a provider, waiting for its answer (in the fast store: any instance may get the callback). */
export interface PendingFlow {
  providerId: string;
  nonce: string;
  codeVerifier: string;
  interactionId?: string;
  returnTo?: string;
  /** Linking from the account page: the person and session that asked. */
  link?: { userId: string; sid: string };
}

/** An upstream identity waiting for the person to prove they own the account with its address. */
export interface PendingLink {
  providerId: string;
  profile: UpstreamProfile;
  interactionId?: string;
  returnTo?: string;
  offerNewAccount: boolean;
  /** When it was held: only a sign-in after it proves the account (epoch seconds). */
  heldAt: number;
}

const FLOW_NS = "upstream-flow";
const LINK_NS = "upstream-link";
/** A person has this long at the provider. */
export const FLOW_TTL = 600;
/** And this long to sign in to the account the identity is to be linked to. */
export const LINK_TTL = 900;

/**
 * The state of upstream sign-ins. `state` is a fresh 256-bit value, the record is
 * keyed by its hash, and the browser that started gets it in an HttpOnly cookie too:
 * a callback counts only in that browser (no login CSRF: nobody can make a victim's
 * browser finish a sign-in the attacker started), and only once (the record is consumed).
 */
export class UpstreamFlowState {
  constructor(
    private readonly fast: FastStore,
    private readonly cookies: CookieNames,
  ) {}

  private cookie(kind: "flow" | "link"): string {
    return `${this.cookies.secure ? "__Host-" : ""}frontdesk_upstream_${kind}`;
  }

  private options(maxAge: number, crossSitePost: boolean) {
    // A form_post answer is a cross-site POST: only SameSite=None cookies come with it (https only).
    const sameSite = crossSitePost && this.cookies.secure ? ("none" as const) : ("lax" as const);
    return { httpOnly: true, secure: this.cookies.secure, sameSite, path: "/", maxAge };
  }

  private clearing() {
    return { httpOnly: true, secure: this.cookies.secure, path: "/" };
  }

  async start(reply: FastifyReply, flow: PendingFlow, crossSitePost: boolean): Promise<string> {
    const state = newOpaqueToken();
    await this.fast.set(FLOW_NS, hashToken(state), JSON.stringify(flow), FLOW_TTL);
    reply.setCookie(this.cookie("flow"), state, this.options(FLOW_TTL, crossSitePost));
    return state;
  }

  /** The pending flow of a callback's `state`, if this browser started it; used up either way. */
  async finish(
    request: FastifyRequest,
    reply: FastifyReply,
    state: string | undefined,
  ): Promise<{ state: string; flow: PendingFlow } | undefined> {
    const mine = readCookie(request, this.cookie("flow"));
    reply.clearCookie(this.cookie("flow"), this.clearing());
    if (!state || state.length > 128 || !mine || mine.length > 128) return undefined;
    const key = hashToken(state);
    if (!digestsEqual(hashToken(mine), key)) return undefined;
    const raw = await this.fast.consume(FLOW_NS, key);
    return raw ? { state, flow: JSON.parse(raw) as PendingFlow } : undefined;
  }

  async holdLink(reply: FastifyReply, link: PendingLink): Promise<void> {
    const token = newOpaqueToken();
    await this.fast.set(LINK_NS, hashToken(token), JSON.stringify(link), LINK_TTL);
    reply.setCookie(this.cookie("link"), token, this.options(LINK_TTL, false));
  }

  /** The identity this browser holds for linking, left in place. */
  async peekLink(request: FastifyRequest): Promise<PendingLink | undefined> {
    const token = readCookie(request, this.cookie("link"));
    if (!token || token.length > 128) return undefined;
    const raw = await this.fast.get(LINK_NS, hashToken(token));
    return raw ? (JSON.parse(raw) as PendingLink) : undefined;
  }

  /** Takes the held identity (once: of concurrent calls exactly one gets it). */
  async takeLink(request: FastifyRequest, reply: FastifyReply): Promise<PendingLink | undefined> {
    const token = readCookie(request, this.cookie("link"));
    reply.clearCookie(this.cookie("link"), this.clearing());
    if (!token || token.length > 128) return undefined;
    const raw = await this.fast.consume(LINK_NS, hashToken(token));
    return raw ? (JSON.parse(raw) as PendingLink) : undefined;
  }
}
