import type { NextFunction, Request, RequestHandler, Response } from "express";
import { authenticate, checkScopes, errorResponse, rememberRealm } from "../authenticate.js";
import type { AccessTokenClaims } from "../claims.js";
import type { Verifier } from "../verifier.js";

declare global {
  namespace Express {
    interface Request {
      /** Claims of the verified access token, set by `expressGuard`. */
      auth?: AccessTokenClaims;
    }
  }
}

/** Options of {@link expressGuard}. */
export interface ExpressGuardOptions {
  /** Scopes every request must carry. */
  scopes?: readonly string[];
}

function fail(res: Response, err: unknown): void {
  const { status, headers, body } = errorResponse(err);
  res.status(status).set(headers).send(body);
}

/**
 * Express middleware: verifies the bearer token and puts the claims on `req.auth` (and
 * `res.locals.auth`), or answers 400/401/403/503 with `WWW-Authenticate`. Tokens in the query string or
 * in a parsed form body are refused.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { expressGuard, requireScopes } from "@frontdesk/guard/express";
 *
 * const app = express();
 * app.use("/api", expressGuard(verifier));
 * app.get("/api/orders", requireScopes("orders:read"), (req, res) => res.json({ sub: req.auth?.sub }));
 * ```
 */
export function expressGuard(verifier: Verifier, options: ExpressGuardOptions = {}): RequestHandler {
  const scopes = [...(options.scopes ?? [])];
  return (req: Request, res: Response, next: NextFunction) => {
    rememberRealm(req, verifier.config.realm);
    const sources = {
      authorization: req.headersDistinct.authorization,
      url: req.originalUrl,
      body: req.body,
    };
    authenticate(verifier, sources, { scopes }).then(
      (claims) => {
        req.auth = claims;
        res.locals.auth = claims;
        next();
      },
      (err: unknown) => fail(res, err),
    );
  };
}

/**
 * Express middleware requiring scopes of the token verified by {@link expressGuard} (403
 * `insufficient_scope` otherwise; 401 if the guard did not run).
 *
 * @example
 * ```ts
 * app.delete("/api/orders/:id", requireScopes("orders:write"), deleteOrder);
 * ```
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      checkScopes(req, req.auth, scopes);
      next();
    } catch (err) {
      fail(res, err);
    }
  };
}
