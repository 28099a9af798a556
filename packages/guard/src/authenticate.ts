import {
  type AuthenticationRequirement,
  assertAuthentication,
  authenticationRequirement,
} from "./authentication-level.js";
import { type CredentialSources, type Credentials, extractCredentials, tokenMissing } from "./bearer.js";
import { type AccessTokenClaims, assertScopes } from "./claims.js";
import { boundKey, dpopRequired } from "./dpop/binding.js";
import { type Challenge, GuardError } from "./errors.js";
import { challengeOf, type Verifier, type VerifyOptions } from "./verifier.js";

/** Options of {@link authenticate}: those of `verify` (but the proof), and how the person must have signed in. */
export interface AuthenticateOptions extends Omit<VerifyOptions, "dpop"> {
  /**
   * Requirements the sign-in behind the token must meet, checked in order after scopes (RFC 9470): the
   * first one unmet is the `insufficient_user_authentication` refusal. Validate each with
   * `authenticationRequirement` first.
   */
  authentication?: readonly AuthenticationRequirement[];
}

/**
 * The request pipeline every adapter shares: extract the token (`Bearer` or `DPoP` scheme), verify it
 * (with the request's `DPoP` proof, method and path for the DPoP scheme), check scopes, then the
 * authentication requirements. Rejects with a `GuardError` that carries the verifier's challenges.
 *
 * @example
 * ```ts
 * const claims = await authenticate(verifier, {
 *   authorization: req.headersDistinct.authorization,
 *   dpop: req.headersDistinct.dpop,
 *   method: req.method,
 *   url: req.url,
 * });
 * ```
 */
export async function authenticate(
  verifier: Verifier,
  sources: CredentialSources,
  options: AuthenticateOptions = {},
): Promise<AccessTokenClaims> {
  const { authentication = [], ...verifyOptions } = options;
  const challenge = challengeOf(verifier.config, options.requireDpop ?? false);
  let credentials: Credentials;
  try {
    credentials = extractCredentials(sources);
  } catch (err) {
    if (!(err instanceof GuardError)) throw err;
    throw err.withChallenge(challenge);
  }
  const claims = await verifier.verify(credentials.token, {
    ...verifyOptions,
    dpop:
      credentials.scheme === "Bearer"
        ? undefined
        : { proof: sources.dpop, method: sources.method ?? "", path: sources.url ?? "/" },
  });
  try {
    for (const requirement of authentication) assertAuthentication(claims, requirement);
  } catch (err) {
    throw err instanceof GuardError ? err.withChallenge({ ...challenge, scheme: credentials.scheme }) : err;
  }
  return claims;
}

/** Response parts for a failed authentication: status, headers and JSON body. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Turns any error from {@link authenticate} into a response. A `GuardError` keeps its status and
 * `WWW-Authenticate`; anything else becomes a bare 500 `server_error` without internals.
 *
 * @example
 * ```ts
 * const { status, headers, body } = errorResponse(err);
 * res.writeHead(status, headers).end(body);
 * ```
 */
export function errorResponse(err: unknown): ErrorResponse {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (!(err instanceof GuardError)) {
    return { status: 500, headers, body: JSON.stringify({ error: "server_error" }) };
  }
  headers["www-authenticate"] = err.wwwAuthenticate;
  if (err.code === "temporarily_unavailable") headers["retry-after"] = "5";
  return { status: err.status, headers, body: JSON.stringify(err.toJSON()) };
}

/** Options every adapter's guard takes. */
export interface GuardOptions {
  /** Scopes every request must carry. */
  scopes?: readonly string[];
  /**
   * How the person must have signed in (RFC 9470 step-up), checked after scopes: acceptable `acr` values
   * (any one; Frontdesk's by rank), `amr` methods (all), `maxAge` in seconds since `auth_time`. A token
   * that falls short gets 401 `insufficient_user_authentication` with `acr_values` and `max_age`.
   */
  authentication?: AuthenticationRequirement;
  /**
   * Accept DPoP-bound tokens only (RFC 9449): a token presented as Bearer is refused, and challenges offer
   * DPoP only. Needs a verifier with `publicUrl`.
   */
  requireDpop?: boolean;
}

/**
 * A guard's options, validated when the guard is made: scopes, authentication requirements, `requireDpop`
 * and its challenges.
 */
export interface GuardSettings {
  scopes: readonly string[];
  authentication: readonly AuthenticationRequirement[];
  requireDpop: boolean;
  challenge: Challenge;
}

/**
 * Validates an adapter's options once, when the guard is made: `requireDpop` on a verifier that does not
 * accept DPoP (no `publicUrl`), or a malformed `authentication`, is a `TypeError` at start-up, not a
 * refusal of every request.
 *
 * @example
 * ```ts
 * const settings = guardSettings(verifier, { scopes: ["orders:read"], requireDpop: true });
 * ```
 */
export function guardSettings(verifier: Verifier, options: GuardOptions): GuardSettings {
  const requireDpop = options.requireDpop === true;
  if (requireDpop && verifier.config.dpop === undefined)
    throw new TypeError("requireDpop needs a verifier that accepts DPoP (set publicUrl)");
  const authentication =
    options.authentication === undefined ? [] : [authenticationRequirement(options.authentication)];
  return {
    scopes: Object.freeze([...(options.scopes ?? [])]),
    authentication: Object.freeze(authentication),
    requireDpop,
    challenge: challengeOf(verifier.config, requireDpop),
  };
}

const challenges = new WeakMap<object, Challenge>();

/**
 * Remembers which verifier's challenges (realm, DPoP) answered for a request object, so later
 * `requireScopes`, `requireAuthentication` and `requireDpop` steps answer with the same ones.
 *
 * @example
 * ```ts
 * rememberChallenge(req, challengeOf(verifier.config, false));
 * ```
 */
export function rememberChallenge(request: object, challenge: Challenge): void {
  challenges.set(request, challenge);
}

/** The challenge remembered for a request, with the scheme its accepted token came with. */
function challengeFor(request: object, claims: AccessTokenClaims | undefined): Challenge {
  const scheme = claims && boundKey(claims) !== undefined ? "DPoP" : "Bearer";
  return { ...challenges.get(request), scheme };
}

/**
 * The `requireScopes` step of every adapter: throws `insufficient_scope` (403) if `claims` lack a scope,
 * or `invalid_token` (401) if no guard ran before it.
 *
 * @example
 * ```ts
 * checkScopes(req, req.auth, ["orders:read"]);
 * ```
 */
export function checkScopes(
  request: object,
  claims: AccessTokenClaims | undefined,
  scopes: readonly string[],
): void {
  const challenge = challengeFor(request, claims);
  if (!claims) throw tokenMissing(challenge);
  try {
    assertScopes(claims, scopes);
  } catch (err) {
    throw err instanceof GuardError ? err.withChallenge(challenge) : err;
  }
}

/**
 * The `requireAuthentication` step of every adapter (RFC 9470): throws `insufficient_user_authentication`
 * (401, with `acr_values` and `max_age` in the challenge) unless the sign-in behind `claims` meets
 * `requirement` (validated with `authenticationRequirement` when the step is made), or `invalid_token`
 * (401) if no guard ran before it.
 *
 * @example
 * ```ts
 * checkAuthentication(req, req.auth, { acr: [FRONTDESK_ACR.mfa], maxAge: 300 });
 * ```
 */
export function checkAuthentication(
  request: object,
  claims: AccessTokenClaims | undefined,
  requirement: AuthenticationRequirement,
): void {
  const challenge = challengeFor(request, claims);
  if (!claims) throw tokenMissing(challenge);
  try {
    assertAuthentication(claims, requirement);
  } catch (err) {
    throw err instanceof GuardError ? err.withChallenge(challenge) : err;
  }
}

/**
 * The `requireDpop` step of every adapter: throws `invalid_token` (401, DPoP challenge only) unless the
 * guard accepted a DPoP-bound token, which it does only with a valid proof of its key.
 *
 * @example
 * ```ts
 * checkDpop(req, req.auth);
 * ```
 */
export function checkDpop(request: object, claims: AccessTokenClaims | undefined): void {
  const challenge = { ...challengeFor(request, claims), dpopOnly: true };
  if (!claims) throw tokenMissing(challenge);
  if (boundKey(claims) !== undefined) return;
  throw dpopRequired(challenge.dpopAlgorithms !== undefined).withChallenge(challenge);
}
