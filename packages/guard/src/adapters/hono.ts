import type { Context, MiddlewareHandler } from "hono";
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

/** Hono environment the guard adds: `c.get("auth")` holds the verified claims. */
export type GuardEnv = { Variables: { auth: AccessTokenClaims } };

/**
 * Options of {@link honoGuard}: `scopes`, `authentication` (RFC 9470 step-up), and `requireDpop` to accept
 * DPoP-bound tokens only.
 */
export interface HonoGuardOptions extends GuardOptions {}

function fail(err: unknown): Response {
  const { status, headers, body } = errorResponse(err);
  return new Response(body, { status, headers });
}

/**
 * Hono middleware: verifies the access token (`Authorization: Bearer`, or `Authorization: DPoP` with its
 * `DPoP` proof when the verifier has `publicUrl`) and sets `c.get("auth")`, or answers 400/401/403/503
 * with `WWW-Authenticate`. Of `c.req.url` only the path is used for DPoP, never its host.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { type GuardEnv, honoGuard, requireScopes } from "@frontdesk/guard/hono";
 *
 * const app = new Hono<GuardEnv>();
 * app.use("/api/*", honoGuard(verifier));
 * app.get("/api/orders", requireScopes("orders:read"), (c) => c.json({ sub: c.get("auth").sub }));
 * ```
 */
export function honoGuard(verifier: Verifier, options: HonoGuardOptions = {}): MiddlewareHandler<GuardEnv> {
  const settings = guardSettings(verifier, options);
  return async (c, next) => {
    rememberChallenge(c, settings.challenge);
    const headers = c.req.raw.headers;
    const sources = {
      authorization: headers.get("authorization") ?? undefined,
      dpop: headers.get("dpop") ?? undefined,
      method: c.req.method,
      url: c.req.url,
    };
    let claims: AccessTokenClaims;
    try {
      claims = await authenticate(verifier, sources, settings);
    } catch (err) {
      return fail(err);
    }
    c.set("auth", claims);
    await next();
  };
}

/** A Hono middleware after {@link honoGuard}: runs `check` on the context, answers its refusal. */
function step(check: (c: Context<GuardEnv>) => void): MiddlewareHandler<GuardEnv> {
  return async (c, next) => {
    try {
      check(c);
    } catch (err) {
      return fail(err);
    }
    await next();
  };
}

/**
 * Hono middleware requiring scopes of the token verified by {@link honoGuard} (403 `insufficient_scope`
 * otherwise; 401 if the guard did not run).
 *
 * @example
 * ```ts
 * app.delete("/api/orders/:id", requireScopes("orders:write"), (c) => c.body(null, 204));
 * ```
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler<GuardEnv> {
  return step((c) => checkScopes(c, c.get("auth") as AccessTokenClaims | undefined, scopes));
}

/**
 * Hono middleware requiring a sign-in of the token verified by {@link honoGuard} (RFC 9470): an acceptable
 * `acr` (any one; Frontdesk's by rank), every `amr` method, a sign-in at most `maxAge` seconds old.
 * Otherwise 401 `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge (401
 * `invalid_token` if the guard did not run). The requirement is validated here (`TypeError`).
 *
 * @example
 * ```ts
 * import { FRONTDESK_ACR } from "@frontdesk/guard";
 *
 * app.post("/api/payments", requireAuthentication({ acr: [FRONTDESK_ACR.mfa] }), (c) => c.body(null, 204));
 * ```
 */
export function requireAuthentication(requirement: AuthenticationRequirement): MiddlewareHandler<GuardEnv> {
  const checked = authenticationRequirement(requirement);
  return step((c) => checkAuthentication(c, c.get("auth") as AccessTokenClaims | undefined, checked));
}

/**
 * Hono middleware accepting only a DPoP-bound token verified by {@link honoGuard} (so presented with a
 * valid DPoP proof); a bearer token gets 401 with a DPoP challenge.
 *
 * @example
 * ```ts
 * app.post("/api/payments", requireDpop(), (c) => c.body(null, 204));
 * ```
 */
export function requireDpop(): MiddlewareHandler<GuardEnv> {
  return step((c) => checkDpop(c, c.get("auth") as AccessTokenClaims | undefined));
}
