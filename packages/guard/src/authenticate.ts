import { type CredentialSources, extractBearer } from "./bearer.js";
import { type AccessTokenClaims, assertScopes } from "./claims.js";
import { GuardError } from "./errors.js";
import type { Verifier, VerifyOptions } from "./verifier.js";

/**
 * The request pipeline every adapter shares: extract the bearer token, verify it, check scopes.
 * Rejects with a `GuardError` that carries the verifier's realm.
 *
 * @example
 * ```ts
 * const claims = await authenticate(verifier, { authorization: req.headers.authorization, url: req.url });
 * ```
 */
export async function authenticate(
  verifier: Verifier,
  sources: CredentialSources,
  options: VerifyOptions = {},
): Promise<AccessTokenClaims> {
  let token: string;
  try {
    token = extractBearer(sources);
  } catch (err) {
    throw err instanceof GuardError ? err.withRealm(verifier.config.realm) : err;
  }
  return verifier.verify(token, options);
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

const realms = new WeakMap<object, string>();

/**
 * Remembers which realm authenticated a request object, so a later `requireScopes` step can answer with
 * the same realm.
 *
 * @example
 * ```ts
 * rememberRealm(req, verifier.config.realm);
 * ```
 */
export function rememberRealm(request: object, realm: string): void {
  realms.set(request, realm);
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
  const realm = realms.get(request);
  if (!claims) {
    throw new GuardError("invalid_token", {
      reason: "token_missing",
      description: "bearer token required",
      realm,
    });
  }
  try {
    assertScopes(claims, scopes);
  } catch (err) {
    throw err instanceof GuardError ? err.withRealm(realm) : err;
  }
}
