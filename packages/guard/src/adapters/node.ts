import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, errorResponse } from "../authenticate.js";
import type { AccessTokenClaims } from "../claims.js";
import type { Verifier } from "../verifier.js";

/** Options of {@link nodeGuard}. */
export interface NodeGuardOptions {
  /** Scopes every request must carry. */
  scopes?: readonly string[];
}

/** A `node:http` guard: resolves to the claims, or answers the request itself and resolves `undefined`. */
export interface NodeGuard {
  (req: IncomingMessage, res: ServerResponse): Promise<AccessTokenClaims | undefined>;
  /** A guard that also requires these scopes (403 `insufficient_scope` otherwise). */
  requireScopes(...scopes: string[]): NodeGuard;
}

/**
 * Guard for plain `node:http` servers. On failure it writes the 400/401/403/503 answer (with
 * `WWW-Authenticate`) and resolves `undefined`; the handler just returns.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { nodeGuard } from "@frontdesk/guard/node";
 *
 * const guard = nodeGuard(verifier);
 * const canRead = guard.requireScopes("orders:read");
 * createServer(async (req, res) => {
 *   const claims = await canRead(req, res);
 *   if (!claims) return;
 *   res.end(`hello ${claims.sub}`);
 * }).listen(3000);
 * ```
 */
export function nodeGuard(verifier: Verifier, options: NodeGuardOptions = {}): NodeGuard {
  const scopes = [...(options.scopes ?? [])];
  const guard = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      return await authenticate(
        verifier,
        { authorization: req.headersDistinct.authorization, url: req.url },
        { scopes },
      );
    } catch (err) {
      const { status, headers, body } = errorResponse(err);
      if (!res.headersSent) res.writeHead(status, headers);
      res.end(body);
      return undefined;
    }
  };
  return Object.assign(guard, {
    requireScopes: (...more: string[]) => nodeGuard(verifier, { scopes: [...scopes, ...more] }),
  });
}
