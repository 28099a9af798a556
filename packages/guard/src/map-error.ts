import { GuardError, invalidToken } from "./errors.js";
import { KeysUnavailableError } from "./keys.js";

type CodedError = Error & { code?: string; claim?: string };

/**
 * Translates an error thrown while verifying a token (jose, key resolution) into a {@link GuardError}.
 * Unexpected errors become `invalid_token` too: a token that cannot be verified is never accepted.
 *
 * @example
 * ```ts
 * try { await jwtVerify(token, getKey, opts); } catch (err) { throw toGuardError(err); }
 * ```
 */
export function toGuardError(err: unknown): GuardError {
  if (err instanceof GuardError) return err;
  if (err instanceof KeysUnavailableError) {
    return new GuardError("temporarily_unavailable", {
      reason: "keys_unavailable",
      description: "the token cannot be verified right now",
      cause: err,
    });
  }
  const coded = err as CodedError;
  switch (coded?.code) {
    case "ERR_JWT_EXPIRED":
      return invalidToken("token_expired", "token expired", err);
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (coded.claim === "typ") return invalidToken("typ_invalid", 'token "typ" must be "at+jwt"', err);
      return invalidToken("claim_invalid", `invalid "${coded.claim ?? "unknown"}" claim`, err);
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return invalidToken("alg_not_allowed", "token algorithm not allowed", err);
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return invalidToken("unknown_key", "token signed by an unknown key", err);
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return invalidToken("signature_invalid", "token signature invalid", err);
    default:
      return invalidToken("malformed_token", "malformed token", err);
  }
}
