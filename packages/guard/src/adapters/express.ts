import type { NextFunction, Request, RequestHandler, Response } from "express";
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

declare global {
  namespace Express {
    interface Request {
      /** Claims of the verified access token, set by `expressGuard`. */
      auth?: AccessTokenClaims;
    }
  }
}

/**
 * Options of {@link expressGuard}: `scopes`, `authentication` (RFC 9470 step-up), and `requireDpop` to
 * accept DPoP-bound tokens only.
 */
export interface ExpressGuardOptions extends GuardOptions {}

function fail(res: Response, err: unknown): void {
  const { status, headers, body } = errorResponse(err);
  res.status(status).set(headers).send(body);
}

/**
 * Express middleware: verifies the access token (`Authorization: Bearer`, or `Authorization: DPoP` with
 * its `DPoP` proof when the verifier has `publicUrl`) and puts the claims on `req.auth` (and
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
  const settings = guardSettings(verifier, options);
  return (req: Request, res: Response, next: NextFunction) => {
    rememberChallenge(req, settings.challenge);
    const sources = {
      authorization: req.headersDistinct.authorization,
      dpop: req.headersDistinct.dpop,
      method: req.method,
      url: req.originalUrl,
      body: req.body,
    };
    authenticate(verifier, sources, settings).then(
      (claims) => {
        req.auth = claims;
        res.locals.auth = claims;
        next();
      },
      (err: unknown) => fail(res, err),
    );
  };
}

/** An Express step after {@link expressGuard}: runs `check` on the request, answers its refusal. */
function step(check: (req: Request) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      check(req);
      next();
    } catch (err) {
      fail(res, err);
    }
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
  return step((req) => checkScopes(req, req.auth, scopes));
}

/**
 * Express middleware requiring a sign-in of the token verified by {@link expressGuard} (RFC 9470): an
 * acceptable `acr` (any one; Frontdesk's by rank), every `amr` method, a sign-in at most `maxAge` seconds
 * old. Otherwise 401 `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge
 * (401 `invalid_token` if the guard did not run). The requirement is validated here (`TypeError`).
 *
 * @example
 * ```ts
 * import { FRONTDESK_ACR } from "@frontdesk/guard";
 *
 * app.post("/api/payments", requireAuthentication({ acr: [FRONTDESK_ACR.mfa], maxAge: 300 }), pay);
 * ```
 */
export function requireAuthentication(requirement: AuthenticationRequirement): RequestHandler {
  const checked = authenticationRequirement(requirement);
  return step((req) => checkAuthentication(req, req.auth, checked));
}

/**
 * Express middleware accepting only a DPoP-bound token verified by {@link expressGuard} (so presented with
 * a valid DPoP proof); a bearer token gets 401 with a DPoP challenge.
 *
 * @example
 * ```ts
 * app.post("/api/payments", requireDpop(), pay);
 * ```
 */
export function requireDpop(): RequestHandler {
  return step((req) => checkDpop(req, req.auth));
}
