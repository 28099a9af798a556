import type { DpopProofReason } from "./dpop/proof.js";
import { formatWwwAuthenticate } from "./www-authenticate.js";

/**
 * Stable error codes of {@link GuardError} (RFC 6750 section 3.1, RFC 9449 section 7.1's `invalid_dpop_proof`,
 * RFC 9470 section 3's `insufficient_user_authentication`, plus `temporarily_unavailable`).
 */
export type GuardErrorCode =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "insufficient_user_authentication"
  | "invalid_dpop_proof"
  | "temporarily_unavailable";

/**
 * Finer, stable reason behind a {@link GuardError}, for logs and metrics (never needed to build a response).
 * DPoP reasons start with `dpop_`; a refused proof has `dpop_` + the proof check's reason
 * (`dpop_htu_mismatch`, `dpop_proof_replayed`, ...).
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
  | "dpop_not_bound"
  | "dpop_required"
  | "dpop_not_configured"
  | "dpop_proof_multiple"
  | "dpop_replay_unavailable"
  | `dpop_${DpopProofReason}`
  | "scope_missing"
  | "acr_insufficient"
  | "amr_missing"
  | "auth_too_old"
  | "keys_unavailable";

const STATUS: Record<GuardErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  insufficient_user_authentication: 401,
  invalid_dpop_proof: 401,
  temporarily_unavailable: 503,
};

/** An `Authorization` scheme the guard reads. */
export type AuthScheme = "Bearer" | "DPoP";

/** What a resource's `WWW-Authenticate` challenges offer (RFC 6750 section 3, RFC 9449 section 7.1). */
export interface Challenge {
  /** `realm` of every challenge. */
  realm?: string;
  /** The DPoP proof algorithms the resource accepts; when set, a `DPoP` challenge lists them as `algs`. */
  dpopAlgorithms?: readonly string[];
  /** The route accepts DPoP only (`requireDpop`): no `Bearer` challenge. */
  dpopOnly?: boolean;
  /** The scheme the request used; its challenge carries the `error`. Default `Bearer`. */
  scheme?: AuthScheme;
}

/** Options of the {@link GuardError} constructor. */
export interface GuardErrorOptions {
  /** Human-readable description, sent as `error_description`. */
  description: string;
  /** Finer reason, see {@link GuardErrorReason}. */
  reason: GuardErrorReason;
  /** Scopes the resource requires (sent as `scope` with `insufficient_scope`). */
  scopes?: readonly string[];
  /** Acceptable `acr` values (sent as `acr_values` with `insufficient_user_authentication`). */
  acrValues?: readonly string[];
  /** Largest sign-in age in seconds (sent as `max_age` with `insufficient_user_authentication`). */
  maxAge?: number;
  /** `realm` of the `WWW-Authenticate` challenge. */
  realm?: string;
  /** The challenges to answer with (`realm` above wins when both are given). */
  challenge?: Challenge;
  /** Underlying error, kept for logs; never serialized. */
  cause?: unknown;
}

/**
 * The one error type the guard rejects with. Carries a stable `code`, the HTTP `status` to answer with
 * and a ready RFC 6750 / RFC 9449 `WWW-Authenticate` value.
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
  /** With `insufficient_user_authentication`: the `acr_values` to ask the authorization server for. */
  readonly acrValues: readonly string[] | undefined;
  /** With `insufficient_user_authentication`: the `max_age` to ask the authorization server for. */
  readonly maxAge: number | undefined;
  readonly challenge: Readonly<Challenge>;

  constructor(code: GuardErrorCode, options: GuardErrorOptions) {
    super(options.description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = STATUS[code];
    this.reason = options.reason;
    this.description = options.description;
    this.scopes = options.scopes;
    this.acrValues = options.acrValues;
    this.maxAge = options.maxAge;
    const challenge = { ...options.challenge };
    if (options.realm !== undefined) challenge.realm = options.realm;
    this.challenge = Object.freeze(challenge);
  }

  /** `realm` of the `WWW-Authenticate` challenges. */
  get realm(): string | undefined {
    return this.challenge.realm;
  }

  /**
   * The `WWW-Authenticate` header value: a `Bearer` challenge, and a `DPoP` one (with `algs`) when the
   * resource accepts DPoP. DPoP errors (a refused proof, a bound token sent as Bearer, ...) and
   * `requireDpop` routes get the `DPoP` challenge only. Per RFC 6750 section 3.1 a request without any
   * credentials gets no `error` attribute, only the realm; otherwise the challenge of the scheme the request
   * used carries `error` and `error_description` (and `scope` with `insufficient_scope`; `acr_values` and
   * `max_age` with `insufficient_user_authentication`, RFC 9470 section 3).
   *
   * @example
   * ```ts
   * new GuardError("invalid_token", { reason: "token_expired", description: "token expired", realm: "api" })
   *   .wwwAuthenticate; // Bearer realm="api", error="invalid_token", error_description="token expired"
   * ```
   */
  get wwwAuthenticate(): string {
    const { realm, dpopAlgorithms, dpopOnly, scheme = "Bearer" } = this.challenge;
    const dpopError = this.code === "invalid_dpop_proof" || this.reason.startsWith("dpop_");
    const schemes: AuthScheme[] =
      dpopAlgorithms === undefined ? ["Bearer"] : dpopOnly || dpopError ? ["DPoP"] : ["Bearer", "DPoP"];
    const carrier = schemes.includes(scheme) ? scheme : schemes[0];
    const withError = this.code !== "temporarily_unavailable" && this.reason !== "token_missing";
    return schemes
      .map((name) =>
        formatWwwAuthenticate(name, {
          realm,
          algs: name === "DPoP" ? dpopAlgorithms?.join(" ") : undefined,
          ...(withError && name === carrier
            ? {
                error: this.code,
                error_description: this.description,
                scope:
                  this.code === "insufficient_scope" && this.scopes?.length
                    ? this.scopes.join(" ")
                    : undefined,
                ...this.#stepUpParameters(),
              }
            : {}),
        }),
      )
      .join(", ");
  }

  /** RFC 9470 section 3: what the client asks the authorization server for to have the person sign in again. */
  #stepUpParameters(): { acr_values?: string; max_age?: string } {
    if (this.code !== "insufficient_user_authentication") return {};
    return {
      acr_values: this.acrValues?.length ? this.acrValues.join(" ") : undefined,
      max_age: this.maxAge === undefined ? undefined : String(this.maxAge),
    };
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
    return this.withChallenge({ realm });
  }

  /**
   * A copy of this error whose challenges also say what `challenge` says (its members replace this error's).
   *
   * @example
   * ```ts
   * err.withChallenge({ realm: "api", dpopAlgorithms: ["ES256"] }).wwwAuthenticate;
   * // Bearer realm="api", error="invalid_token", ..., DPoP realm="api", algs="ES256"
   * ```
   */
  withChallenge(challenge: Challenge): GuardError {
    return new GuardError(this.code, {
      description: this.description,
      reason: this.reason,
      scopes: this.scopes,
      acrValues: this.acrValues,
      maxAge: this.maxAge,
      challenge: { ...this.challenge, ...challenge },
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
