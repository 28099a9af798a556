import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, errorResponse, type GuardOptions, guardSettings } from "../authenticate.js";
import { type AuthenticationRequirement, authenticationRequirement } from "../authentication-level.js";
import type { AccessTokenClaims } from "../claims.js";
import type { Verifier } from "../verifier.js";

/**
 * Options of {@link nodeGuard}: `scopes`, `authentication` (RFC 9470 step-up), and `requireDpop` to accept
 * DPoP-bound tokens only.
 */
export interface NodeGuardOptions extends GuardOptions {}

/** A `node:http` guard: resolves to the claims, or answers the request itself and resolves `undefined`. */
export interface NodeGuard {
  (req: IncomingMessage, res: ServerResponse): Promise<AccessTokenClaims | undefined>;
  /** A guard that also requires these scopes (403 `insufficient_scope` otherwise). */
  requireScopes(...scopes: string[]): NodeGuard;
  /**
   * A guard that also requires this sign-in (401 `insufficient_user_authentication` with `acr_values`
   * and `max_age` otherwise, RFC 9470).
   */
  requireAuthentication(requirement: AuthenticationRequirement): NodeGuard;
  /** A guard that accepts DPoP-bound tokens only (tokens presented as Bearer get 401). */
  requireDpop(): NodeGuard;
}

/**
 * Guard for plain `node:http` servers. On failure it writes the 400/401/403/503 answer (with
 * `WWW-Authenticate`) and resolves `undefined`; the handler just returns. Reads `Authorization: Bearer`
 * and, with a verifier that has `publicUrl`, `Authorization: DPoP` with its `DPoP` proof header.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { FRONTDESK_ACR } from "@frontdesk/guard";
 * import { nodeGuard } from "@frontdesk/guard/node";
 *
 * const guard = nodeGuard(verifier);
 * const canRead = guard.requireScopes("orders:read");
 * const canPay = canRead.requireAuthentication({ acr: [FRONTDESK_ACR.mfa], maxAge: 300 });
 * createServer(async (req, res) => {
 *   const claims = await (req.method === "POST" ? canPay : canRead)(req, res);
 *   if (!claims) return;
 *   res.end(`hello ${claims.sub}`);
 * }).listen(3000);
 * ```
 */
export function nodeGuard(verifier: Verifier, options: NodeGuardOptions = {}): NodeGuard {
  return guardWith(verifier, options, []);
}

/** A guard for `options`, also requiring the sign-ins its `requireAuthentication` calls added. */
function guardWith(
  verifier: Verifier,
  options: NodeGuardOptions,
  stepUps: readonly AuthenticationRequirement[],
): NodeGuard {
  const base = guardSettings(verifier, options);
  const settings = { ...base, authentication: [...base.authentication, ...stepUps] };
  const guard = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      return await authenticate(
        verifier,
        {
          authorization: req.headersDistinct.authorization,
          dpop: req.headersDistinct.dpop,
          method: req.method,
          url: req.url,
        },
        settings,
      );
    } catch (err) {
      const { status, headers, body } = errorResponse(err);
      if (!res.headersSent) res.writeHead(status, headers);
      res.end(body);
      return undefined;
    }
  };
  return Object.assign(guard, {
    requireScopes: (...more: string[]) =>
      guardWith(verifier, { ...options, scopes: [...settings.scopes, ...more] }, stepUps),
    requireAuthentication: (requirement: AuthenticationRequirement) =>
      guardWith(verifier, options, [...stepUps, authenticationRequirement(requirement)]),
    requireDpop: () => guardWith(verifier, { ...options, requireDpop: true }, stepUps),
  });
}
