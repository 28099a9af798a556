import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import {
  authenticate,
  checkAuthentication,
  checkDpop,
  checkScopes,
  errorResponse,
  type GuardOptions,
  guardSettings,
  rememberChallenge,
} from "../authenticate.js";
import { type AuthenticationRequirement, authenticationRequirement } from "../authentication-level.js";
import type { AccessTokenClaims } from "../claims.js";
import type { Verifier } from "../verifier.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Claims of the verified access token, set by the Frontdesk guard. */
    auth?: AccessTokenClaims;
  }
}

/**
 * Options of {@link fastifyGuard} and {@link frontdeskGuard}: `scopes`, `authentication` (RFC 9470
 * step-up), and `requireDpop` to accept DPoP-bound tokens only.
 */
export interface FastifyGuardOptions extends GuardOptions {}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  const { status, headers, body } = errorResponse(err);
  return reply.code(status).headers(headers).send(body);
}

/**
 * Fastify `preHandler` hook: verifies the access token (`Authorization: Bearer`, or `Authorization: DPoP`
 * with its `DPoP` proof when the verifier has `publicUrl`) and sets `request.auth`, or answers
 * 400/401/403/503 with `WWW-Authenticate`. Use per route or with `addHook`.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { fastifyGuard, requireScopes } from "@frontdesk/guard/fastify";
 *
 * const app = Fastify();
 * app.get("/orders", { preHandler: [fastifyGuard(verifier), requireScopes("orders:read")] },
 *   async (request) => ({ sub: request.auth?.sub }));
 * ```
 */
export function fastifyGuard(
  verifier: Verifier,
  options: FastifyGuardOptions = {},
): preHandlerAsyncHookHandler {
  const settings = guardSettings(verifier, options);
  return async function frontdeskGuard(request: FastifyRequest, reply: FastifyReply) {
    rememberChallenge(request, settings.challenge);
    const sources = {
      authorization: distinctHeader(request, "authorization"),
      dpop: distinctHeader(request, "dpop"),
      method: request.method,
      url: request.url,
      body: request.body,
    };
    try {
      request.auth = await authenticate(verifier, sources, settings);
    } catch (err) {
      return fail(reply, err);
    }
  };
}

/**
 * A header's every value, so a repeated `Authorization` is refused. `app.inject()` requests
 * (light-my-request) have no `headersDistinct`, but their `rawHeaders` list every line sent.
 */
function distinctHeader(request: FastifyRequest, name: "authorization" | "dpop"): string[] | undefined {
  const distinct = request.raw.headersDistinct as NodeJS.Dict<string[]> | undefined;
  if (distinct) return distinct[name];
  const raw = request.raw.rawHeaders;
  const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === name);
  return values.length > 0 ? values : undefined;
}

/** A Fastify `preHandler` after the guard: runs `check` on the request, answers its refusal. */
function step(check: (request: FastifyRequest) => void): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      check(request);
    } catch (err) {
      return fail(reply, err);
    }
  };
}

/**
 * Fastify `preHandler` requiring scopes of the token verified by the guard (403 `insufficient_scope`
 * otherwise; 401 if the guard did not run).
 *
 * @example
 * ```ts
 * app.delete("/orders/:id", { preHandler: requireScopes("orders:write") }, deleteOrder);
 * ```
 */
export function requireScopes(...scopes: string[]): preHandlerAsyncHookHandler {
  return step((request) => checkScopes(request, request.auth, scopes));
}

/**
 * Fastify `preHandler` requiring a sign-in of the token verified by the guard (RFC 9470): an acceptable
 * `acr` (any one; Frontdesk's by rank), every `amr` method, a sign-in at most `maxAge` seconds old.
 * Otherwise 401 `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge (401
 * `invalid_token` if the guard did not run). The requirement is validated here (`TypeError`).
 *
 * @example
 * ```ts
 * import { FRONTDESK_ACR } from "@frontdesk/guard";
 *
 * app.post("/payments", { preHandler: requireAuthentication({ acr: [FRONTDESK_ACR.mfa], maxAge: 300 }) }, pay);
 * ```
 */
export function requireAuthentication(requirement: AuthenticationRequirement): preHandlerAsyncHookHandler {
  const checked = authenticationRequirement(requirement);
  return step((request) => checkAuthentication(request, request.auth, checked));
}

/**
 * Fastify `preHandler` accepting only a DPoP-bound token verified by the guard (so presented with a
 * valid DPoP proof); a bearer token gets 401 with a DPoP challenge.
 *
 * @example
 * ```ts
 * app.post("/payments", { preHandler: requireDpop() }, pay);
 * ```
 */
export function requireDpop(): preHandlerAsyncHookHandler {
  return step((request) => checkDpop(request, request.auth));
}

/**
 * Fastify plugin guarding every route of the scope it is registered in (not encapsulated, like
 * `fastify-plugin`): decorates `request.auth` and adds the {@link fastifyGuard} `preHandler`.
 *
 * @example
 * ```ts
 * await app.register(frontdeskGuard, { verifier, scopes: ["orders:read"] });
 * ```
 */
export const frontdeskGuard: FastifyPluginAsync<FastifyGuardOptions & { verifier: Verifier }> = Object.assign(
  async (app: Parameters<FastifyPluginAsync>[0], options: FastifyGuardOptions & { verifier: Verifier }) => {
    if (!app.hasRequestDecorator("auth")) app.decorateRequest("auth", undefined);
    app.addHook("preHandler", fastifyGuard(options.verifier, options));
  },
  { [Symbol.for("skip-override")]: true, [Symbol.for("fastify.display-name")]: "@frontdesk/guard" },
);
