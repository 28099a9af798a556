import type { FastifyInstance, FastifyRequest } from "fastify";
import { AccessDenied, InvalidRequest } from "../../errors/oauth-errors.js";
import { currentSession } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { PASSKEYS_SCRIPT_PATH } from "../../pages/passkeys.js";
import { newOpaqueToken } from "../../tokens/opaque.js";
import type { Registry } from "../contract.js";
import { PASSKEYS_SCRIPT } from "./browser-script.js";
import type { CeremonyKind } from "./ceremonies.js";
import { hasAnyFactor, isFresh, jsonNoStore, now, type PasskeyRouteDeps } from "./deps.js";
import { authenticationOptions, registrationOptions } from "./webauthn.js";

/**
 * The script, and `POST /passkeys/<kind>/options`: the options of a new ceremony as
 * JSON (the library's challenge, held for this browser), for a form post with the
 * CSRF token. A refusal is OAuth error JSON (`access_denied`, `invalid_request`).
 */
export function optionsRoutes(app: FastifyInstance, ctx: PasskeyRouteDeps, registry: Registry): void {
  const { passkeys, ceremonies, rp } = ctx;
  const flow = registry.interaction;

  app.get(PASSKEYS_SCRIPT_PATH, async (_request, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=300")
      .header("x-content-type-options", "nosniff")
      .send(PASSKEYS_SCRIPT),
  );

  const subjectOf = async (request: FastifyRequest, form: Record<string, string>) => {
    const subject = await flow.secondFactorSubject(request, {
      interactionId: form.request,
      returnTo: form.return_to,
    });
    if (!subject) throw new AccessDenied("Nothing to confirm here any more: sign in again.");
    return subject;
  };

  const kinds: Record<
    CeremonyKind,
    (
      request: FastifyRequest,
      form: Record<string, string>,
    ) => Promise<{
      options: object;
      challenge: string;
      userId?: string;
      sid?: string;
    }>
  > = {
    "sign-in": async () => {
      const options = await authenticationOptions(rp);
      return { options, challenge: options.challenge };
    },
    "second-factor": async (request, form) => {
      const subject = await subjectOf(request, form);
      const own = await passkeys.listByUser(subject.userId);
      if (!own.length) throw new InvalidRequest("You have no passkey.");
      const options = await authenticationOptions(rp, own);
      return { options, challenge: options.challenge, userId: subject.userId };
    },
    register: async (request) => {
      const session = await currentSession(ctx, request);
      if (!isFresh(session)) throw new AccessDenied("Sign in again to add a passkey.");
      return creation(session.userId, session.sid);
    },
    enrol: async (request, form) => {
      const subject = await subjectOf(request, form);
      if (subject.source !== "held" || (await hasAnyFactor(registry, subject.userId)))
        throw new AccessDenied("A passkey can be set up here only right after signing in, before any other.");
      return creation(subject.userId);
    },
  };

  const creation = async (userId: string, sid?: string) => {
    const user = await ctx.durable.users.get(userId);
    if (!user || user.disabled) throw new AccessDenied("Sign in again.");
    const handle = await passkeys.handleOf(user.id, newOpaqueToken, now());
    const options = await registrationOptions(
      rp,
      { username: user.username, name: user.name, handle },
      await passkeys.listByUser(user.id),
    );
    return { options, challenge: options.challenge, userId: user.id, ...(sid ? { sid } : {}) };
  };

  app.post<{ Params: { kind: string } }>("/passkeys/:kind/options", async (request, reply) => {
    const kind = request.params.kind as CeremonyKind;
    const make = Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
    if (!make) throw new InvalidRequest("unknown passkey ceremony");
    const form = singleValued(request.body);
    if (!ctx.csrf.valid(request, form.csrf)) throw new AccessDenied("Your form expired: reload the page.");
    const { options, challenge, userId, sid } = await make(request, form);
    await ceremonies.start(reply, {
      kind,
      challenge,
      ...(userId ? { userId } : {}),
      ...(sid ? { sid } : {}),
    });
    return jsonNoStore(reply, options);
  });
}
