import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config/schema.js";
import { currentSession, localUrl, seeOther } from "../http/page-route.js";
import { type AcrValue, acrOf, satisfies, withFactor } from "../oauth/assurance.js";
import { errorPage } from "../pages/error.js";
import { sendPage } from "../pages/layout.js";
import { type CookieNames, readCookie, setSessionCookie } from "../sessions/cookies.js";
import type { Session, SessionService } from "../sessions/sessions.js";
import type { ClientRecord, DurableStore, UserRecord } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { AUTHORIZATION_ERROR, authorizationErrorKind, pendingError } from "./authorization-error.js";
import type { ReturnableError } from "./authorization-request/types.js";
import { type Decision, decide, type InteractionCheck, type InteractionFacts } from "./checks.js";
import { type HeldSignIn, HeldSignIns } from "./held-sign-ins.js";
import type { Interaction, Interactions } from "./interactions.js";
import type { InteractionKind } from "./kinds.js";
import { resumeUrl, SECOND_FACTOR_PATH } from "./paths.js";
import { redirectToClient } from "./respond.js";

export interface InteractionFlowDeps {
  config: Pick<Config, "sessionAbsoluteTtl" | "issuer">;
  durable: Pick<DurableStore, "users" | "grants">;
  sessions: SessionService;
  cookies: CookieNames;
  interactions: Interactions;
  fast: FastStore;
}

/** The second-factor policy: the level a first factor's sign-in must reach (see SignInGate). */
export type SignInRequirement = (
  user: UserRecord,
  interaction: Interaction | undefined,
) => Promise<AcrValue | undefined>;

/** Whose second factor a factor's route is checking, and what it continues. */
export interface SecondFactorSubject {
  userId: string;
  /** `held`: right after a first factor, no session yet; `session`: step-up of a live session. */
  source: "held" | "session";
  required?: AcrValue;
  interactionId?: string;
  returnTo?: string;
}

/** A finished sign-in, whatever the method (password, passkey, upstream provider). */
export interface SignIn {
  user: Pick<UserRecord, "id">;
  /** Authentication methods (RFC 8176: `pwd`, `hwk`, `otp`, `mfa`, `fed`, …). */
  amr: string[];
  /** Assurance level, when the method claims one. */
  acr?: string;
  /** The upstream provider's id, for a sign-in through one (the ID token's `idp`). */
  idp?: string;
  /** When the person authenticated (defaults to now; an upstream provider may say earlier). */
  authTime?: number;
  /** The interaction this sign-in was for, if any. */
  interactionId?: string;
  /** Where to go afterwards without an interaction: a local path, already checked. */
  returnTo?: string;
}

const ALREADY_USED = errorPage(
  "Request already completed",
  "This sign-in request was already used. Start again from the application.",
);

/** A page's form for an interaction that has ended or expired meanwhile. */
export const REQUEST_EXPIRED = errorPage(
  "Request expired",
  "This request is no longer valid. Go back to the application and start again.",
);

/** Only a path on this server (never `//host` or a scheme): no open redirect. */
export function safeReturnTo(value: string | undefined): string | undefined {
  if (
    !value ||
    value.length > 2048 ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.includes("\\")
  )
    return undefined;
  return /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

/**
 * The sign-in and consent policy at work: gathers the facts, runs the named checks,
 * and turns their decision into the one HTTP reply (a page, the client's redirect,
 * or completion by the interaction's kind).
 */
export class InteractionFlow {
  private readonly kinds: ReadonlyMap<string, InteractionKind>;

  constructor(
    private readonly deps: InteractionFlowDeps,
    readonly checks: readonly InteractionCheck[],
    kinds: readonly InteractionKind[],
    private readonly requirement?: SignInRequirement,
  ) {
    const all = [authorizationErrorKind(deps.config.issuer), ...kinds];
    this.kinds = new Map(all.map((k) => [k.name, k]));
    this.held = new HeldSignIns(deps.fast, deps.cookies);
  }

  /** Sign-ins waiting for their second factor. */
  readonly held: HeldSignIns;

  kind(interaction: Interaction): InteractionKind {
    const kind = this.kinds.get(interaction.kind);
    if (!kind) throw new Error(`no interaction kind ${interaction.kind} is enabled`);
    return kind;
  }

  /** Starts an interaction of a kind and moves it to its first step. */
  async start(
    request: FastifyRequest,
    reply: FastifyReply,
    client: ClientRecord,
    kind: string,
    interactionRequest: Interaction["request"],
  ): Promise<FastifyReply> {
    const interaction = await this.deps.interactions.start(kind, interactionRequest);
    return this.advance(request, reply, client, interaction);
  }

  /**
   * An authorization request refused after its redirect URI was verified (RFC 9700
   * 4.11.2): with `prompt=none` the error goes back at once; otherwise it is held in
   * an `authorization-error` interaction that the same checks as any request move on,
   * so a signed-in browser gets it at once and a signed-out one signs in first.
   * Whatever source the request came from (query, form, later a pushed request), the
   * browser is never sent to a redirect URI by a link alone.
   */
  async returnError(
    request: FastifyRequest,
    reply: FastifyReply,
    refused: ReturnableError,
  ): Promise<FastifyReply> {
    const { client, redirectUri, state, error } = refused;
    if (refused.silent)
      return redirectToClient(reply, this.deps.config.issuer, redirectUri, state, { error });
    const interaction = this.deps.interactions.create(
      AUTHORIZATION_ERROR,
      pendingError(client.id, redirectUri, state, error),
    );
    const decision = await this.decide(client, interaction, await currentSession(this.deps, request));
    if (decision.next === "complete")
      return this.kind(interaction).complete(reply, interaction, decision.session);
    if (decision.next === "error") return this.kind(interaction).fail(reply, interaction, decision.error);
    await this.deps.interactions.save(interaction);
    return this.reply(reply, interaction, decision);
  }

  async facts(
    client: ClientRecord,
    interaction: Interaction,
    session: Session | undefined,
    consentJustGiven = false,
  ): Promise<InteractionFacts> {
    const user = session ? await this.deps.durable.users.get(session.userId) : undefined;
    const grant =
      user && !client.firstParty && !consentJustGiven
        ? await this.deps.durable.grants.get(user.id, client.id)
        : undefined;
    return {
      interaction,
      client,
      session,
      user,
      grantedScopes: grant?.scopes ?? [],
      consentJustGiven,
      now: Math.floor(Date.now() / 1000),
    };
  }

  async decide(
    client: ClientRecord,
    interaction: Interaction,
    session: Session | undefined,
    consentJustGiven = false,
  ): Promise<Decision> {
    return decide(this.checks, await this.facts(client, interaction, session, consentJustGiven));
  }

  /** Moves an interaction to its next step: a page, an error for the client, or completion. */
  async advance(
    request: FastifyRequest,
    reply: FastifyReply,
    client: ClientRecord,
    interaction: Interaction,
  ): Promise<FastifyReply> {
    const session = await currentSession(this.deps, request);
    return this.reply(reply, interaction, await this.decide(client, interaction, session));
  }

  /** The one place a decision becomes an HTTP reply. */
  async reply(reply: FastifyReply, interaction: Interaction, decision: Decision): Promise<FastifyReply> {
    switch (decision.next) {
      case "prompt":
        return seeOther(reply, localUrl(decision.prompt.path, { request: interaction.id }));
      case "error":
        await this.deps.interactions.finish(interaction.id);
        return this.kind(interaction).fail(reply, interaction, decision.error);
      case "complete":
        if (!(await this.deps.interactions.finish(interaction.id))) return sendPage(reply, 400, ALREADY_USED);
        return this.kind(interaction).complete(reply, interaction, decision.session);
    }
  }

  /**
   * The person signed in as `session` answered the consent page of `interaction`. It
   * ends here (once: a replayed form gets REQUEST_EXPIRED). Deny: the kind's
   * access_denied. Allow: the checks run again with the consent given and, when they
   * all pass, the grant is recorded (added to what the person granted this client
   * before) and the kind completes.
   */
  async consentAnswered(
    request: FastifyRequest,
    reply: FastifyReply,
    answer: { client: ClientRecord; interaction: Interaction; session: Session; allowed: boolean },
  ): Promise<FastifyReply> {
    const { client, interaction, session } = answer;
    if (!(await this.deps.interactions.finish(interaction.id))) return sendPage(reply, 400, REQUEST_EXPIRED);
    if (!answer.allowed) return this.kind(interaction).deny(reply, interaction);
    const decision = await this.decide(client, interaction, session, true);
    if (decision.next !== "complete") return this.advance(request, reply, client, interaction);
    const now = Math.floor(Date.now() / 1000);
    const existing = await this.deps.durable.grants.get(session.userId, client.id);
    await this.deps.durable.grants.upsert({
      userId: session.userId,
      clientId: client.id,
      scopes: [...new Set([...(existing?.scopes ?? []), ...interaction.request.scopes])],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return this.kind(interaction).complete(reply, interaction, decision.session);
  }

  /**
   * The person cancelled a page of an interaction (the second step): the client gets
   * access_denied. False when there is no such interaction (the caller answers).
   */
  async cancelled(reply: FastifyReply, interactionId: string | undefined): Promise<boolean> {
    const interaction = interactionId ? await this.deps.interactions.finish(interactionId) : undefined;
    if (!interaction) return false;
    await this.kind(interaction).deny(reply, interaction);
    return true;
  }

  /**
   * Every sign-in method ends here. When the second-factor policy asks for more than
   * this sign-in reached, nothing is created yet: the sign-in is held and the browser
   * goes to the second-factor page. Otherwise: a brand-new session (no fixation), its
   * cookie, the pending interaction marked as signed in here (satisfies prompt=login
   * and max_age), then back into the interaction, or to a local page.
   */
  async completeSignIn(request: FastifyRequest, reply: FastifyReply, signIn: SignIn): Promise<FastifyReply> {
    const interaction = await this.deps.interactions.get(signIn.interactionId);
    const user = this.requirement && (await this.deps.durable.users.get(signIn.user.id));
    const required = user && (await this.requirement?.(user, interaction));
    if (required && !satisfies(acrOf(signIn.amr), required)) {
      await this.held.hold(reply, {
        userId: signIn.user.id,
        amr: signIn.amr,
        required,
        ...(signIn.idp ? { idp: signIn.idp } : {}),
        ...(signIn.authTime !== undefined ? { authTime: signIn.authTime } : {}),
        ...(interaction ? { interactionId: interaction.id } : {}),
        ...(safeReturnTo(signIn.returnTo) ? { returnTo: safeReturnTo(signIn.returnTo) } : {}),
      });
      return seeOther(reply, localUrl(SECOND_FACTOR_PATH, { request: interaction?.id }));
    }
    return this.startSession(request, reply, signIn);
  }

  /** The level the second-factor policy asks of this person outside any request (the admin pages). */
  async requiredLevel(user: UserRecord): Promise<AcrValue | undefined> {
    return this.requirement?.(user, undefined);
  }

  /**
   * Whose second factor is being checked: this browser's held sign-in, else (step-up)
   * its live session. Undefined when there is neither.
   */
  async secondFactorSubject(
    request: FastifyRequest,
    pending: { interactionId?: string; returnTo?: string } = {},
  ): Promise<SecondFactorSubject | undefined> {
    const held = await this.held.peek(request);
    if (held) return heldSubject(held);
    const session = await currentSession(this.deps, request);
    if (!session) return undefined;
    return {
      userId: session.userId,
      source: "session",
      ...(pending.interactionId ? { interactionId: pending.interactionId } : {}),
      ...(safeReturnTo(pending.returnTo) ? { returnTo: safeReturnTo(pending.returnTo) } : {}),
    };
  }

  /**
   * A second factor of `subject` was verified, adding `methods` (RFC 8176): the held
   * sign-in completes (taken once: a replayed form finds nothing), or a step-up replaces
   * the session with a new one (new id; the old one ends). False when the browser no
   * longer holds what the subject named (taken by a concurrent request, signed out):
   * the caller then answers. (A boolean, not the reply: an async function returning a
   * Fastify reply, which is thenable, would resolve to undefined.)
   */
  async completeSecondFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    subject: SecondFactorSubject,
    methods: readonly string[],
  ): Promise<boolean> {
    if (subject.source === "held") {
      const held = await this.held.take(request, reply);
      if (!held || held.userId !== subject.userId) return false;
      await this.startSession(request, reply, {
        user: { id: held.userId },
        amr: withFactor(held.amr, methods),
        ...(held.idp ? { idp: held.idp } : {}),
        ...(held.authTime !== undefined ? { authTime: held.authTime } : {}),
        ...(held.interactionId ? { interactionId: held.interactionId } : {}),
        ...(held.returnTo ? { returnTo: held.returnTo } : {}),
      });
      return true;
    }
    const session = await currentSession(this.deps, request);
    if (!session || session.userId !== subject.userId) return false;
    await this.startSession(request, reply, {
      user: { id: session.userId },
      amr: withFactor(session.amr, methods),
      ...(session.idp ? { idp: session.idp } : {}),
      ...(subject.interactionId ? { interactionId: subject.interactionId } : {}),
      ...(subject.returnTo ? { returnTo: subject.returnTo } : {}),
    });
    return true;
  }

  private async startSession(request: FastifyRequest, reply: FastifyReply, signIn: SignIn) {
    const previous = readCookie(request, this.deps.cookies.session);
    if (previous) await this.deps.sessions.end(previous);
    const { token, session } = await this.deps.sessions.create({
      userId: signIn.user.id,
      amr: signIn.amr,
      acr: signIn.acr ?? acrOf(signIn.amr),
      ...(signIn.idp ? { idp: signIn.idp } : {}),
      ...(signIn.authTime !== undefined ? { authTime: signIn.authTime } : {}),
      userAgent: request.headers["user-agent"] ?? "",
      ip: request.ip,
    });
    setSessionCookie(reply, this.deps.cookies, token, this.deps.config.sessionAbsoluteTtl);
    const interaction = await this.deps.interactions.get(signIn.interactionId);
    if (interaction) await this.deps.interactions.save({ ...interaction, loginSid: session.sid });
    if (signIn.interactionId) return seeOther(reply, resumeUrl(signIn.interactionId));
    return seeOther(reply, safeReturnTo(signIn.returnTo) ?? "/account");
  }
}

function heldSubject(held: HeldSignIn): SecondFactorSubject {
  return {
    userId: held.userId,
    source: "held",
    required: held.required,
    ...(held.interactionId ? { interactionId: held.interactionId } : {}),
    ...(held.returnTo ? { returnTo: held.returnTo } : {}),
  };
}
