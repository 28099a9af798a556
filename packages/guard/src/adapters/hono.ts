import type { MiddlewareHandler } from "hono";
import { authenticate, checkScopes, errorResponse, rememberRealm } from "../authenticate.js";
import type { AccessTokenClaims } from "../claims.js";
import type { Verifier } from "../verifier.js";

/** Hono environment the guard adds: `c.get("auth")` holds the verified claims. */
export type GuardEnv = { Variables: { auth: AccessTokenClaims } };

/** Options of {@link honoGuard}. */
export interface HonoGuardOptions {
  /** Scopes every request must carry. */
  scopes?: readonly string[];
}

function fail(err: unknown): Response {
  const { status, headers, body } = errorResponse(err);
  return new Response(body, { status, headers });
}

/**
 * Hono middleware: verifies the bearer token and sets `c.get("auth")`, or answers 400/401/403/503 with
 * `WWW-Authenticate`.
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
  const scopes = [...(options.scopes ?? [])];
  return async (c, next) => {
    rememberRealm(c, verifier.config.realm);
    const header = c.req.raw.headers.get("authorization");
    const sources = { authorization: header ?? undefined, url: c.req.url };
    let claims: AccessTokenClaims;
    try {
      claims = await authenticate(verifier, sources, { scopes });
    } catch (err) {
      return fail(err);
    }
    c.set("auth", claims);
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
  return async (c, next) => {
    try {
      checkScopes(c, c.get("auth") as AccessTokenClaims | undefined, scopes);
    } catch (err) {
      return fail(err);
    }
    await next();
  };
}
