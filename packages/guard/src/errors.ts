import { formatWwwAuthenticate } from "./www-authenticate.js";

/** Stable error codes of {@link GuardError} (RFC 6750 section 3.1, plus `temporarily_unavailable`). */
export type GuardErrorCode =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "temporarily_unavailable";

/**
 * Finer, stable reason behind a {@link GuardError}, for logs and metrics (never needed to build a response).
 */
export type GuardErrorReason =
  | "token_missing"
  | "token_in_query"
  | "token_in_body"
  | "multiple_methods"
  | "malformed_header"
  | "token_too_large"
  | "malformed_token"
  | "alg_not_allowed"
  | "crit_not_supported"
  | "typ_invalid"
  | "unknown_key"
  | "signature_invalid"
  | "claim_invalid"
  | "token_expired"
  | "token_revoked"
  | "dpop_bound"
  | "scope_missing"
  | "keys_unavailable";

const STATUS: Record<GuardErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
};

/** Options of the {@link GuardError} constructor. */
export interface GuardErrorOptions {
  /** Human-readable description, sent as `error_description`. */
  description: string;
  /** Finer reason, see {@link GuardErrorReason}. */
  reason: GuardErrorReason;
  /** Scopes the resource requires (sent as `scope` with `insufficient_scope`). */
  scopes?: readonly string[];
  /** `realm` of the `WWW-Authenticate` challenge. */
  realm?: string;
  /** Underlying error, kept for logs; never serialized. */
  cause?: unknown;
}

/**
 * The one error type the guard rejects with. Carries a stable `code`, the HTTP `status` to answer with
 * and a ready RFC 6750 `WWW-Authenticate` value.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof GuardError) {
 *     res.writeHead(err.status, { "WWW-Authenticate": err.wwwAuthenticate }).end();
 *   }
 * }
 * ```
 */
export class GuardError extends Error {
  override readonly name = "GuardError";
  readonly code: GuardErrorCode;
  readonly status: number;
  readonly reason: GuardErrorReason;
  readonly description: string;
  readonly scopes: readonly string[] | undefined;
  readonly realm: string | undefined;

  constructor(code: GuardErrorCode, options: GuardErrorOptions) {
    super(options.description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = STATUS[code];
    this.reason = options.reason;
    this.description = options.description;
    this.scopes = options.scopes;
    this.realm = options.realm;
  }

  /**
   * The `WWW-Authenticate` header value. Per RFC 6750 section 3.1 a request without any credentials gets
   * no `error` attribute, only the realm.
   *
   * @example
   * ```ts
   * new GuardError("invalid_token", { reason: "token_expired", description: "token expired", realm: "api" })
   *   .wwwAuthenticate; // Bearer realm="api", error="invalid_token", error_description="token expired"
   * ```
   */
  get wwwAuthenticate(): string {
    const rfc6750 = this.code !== "temporarily_unavailable" && this.reason !== "token_missing";
    return formatWwwAuthenticate("Bearer", {
      realm: this.realm,
      error: rfc6750 ? this.code : undefined,
      error_description: rfc6750 ? this.description : undefined,
      scope: this.code === "insufficient_scope" && this.scopes?.length ? this.scopes.join(" ") : undefined,
    });
  }

  /**
   * The JSON body to answer with: `{ error, error_description }`.
   *
   * @example
   * ```ts
   * res.end(JSON.stringify(err.toJSON()));
   * ```
   */
  toJSON(): { error: GuardErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }

  /** A copy of this error with `realm` set (used by the verifier and adapters). */
  withRealm(realm: string | undefined): GuardError {
    if (realm === this.realm) return this;
    return new GuardError(this.code, {
      description: this.description,
      reason: this.reason,
      scopes: this.scopes,
      realm,
      cause: this.cause,
    });
  }
}

/**
 * Shorthand for an `invalid_token` {@link GuardError}.
 *
 * @example
 * ```ts
 * throw invalidToken("token_revoked", "token revoked");
 * ```
 */
export function invalidToken(reason: GuardErrorReason, description: string, cause?: unknown): GuardError {
  return new GuardError("invalid_token", { reason, description, cause });
}

/**
 * Shorthand for an `invalid_request` {@link GuardError}.
 *
 * @example
 * ```ts
 * throw invalidRequest("token_in_query", "access tokens must not be sent in the query string");
 * ```
 */
export function invalidRequest(reason: GuardErrorReason, description: string): GuardError {
  return new GuardError("invalid_request", { reason, description });
}
