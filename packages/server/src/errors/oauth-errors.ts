/**
 * One class per OAuth / OpenID Connect error code. Each carries its HTTP status
 * and whether its description is safe to show to the caller.
 */
export abstract class OAuthError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Extra headers the serializer must send (e.g. WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string> = {};
  constructor(
    readonly description?: string,
    readonly expose = true,
  ) {
    super(description);
    this.name = new.target.name;
  }
}

function define(code: string, status: number) {
  return class extends OAuthError {
    readonly code = code;
    readonly status = status;
  };
}

export class InvalidRequest extends define("invalid_request", 400) {}
export class InvalidGrant extends define("invalid_grant", 400) {}
export class UnauthorizedClient extends define("unauthorized_client", 400) {}
export class UnsupportedGrantType extends define("unsupported_grant_type", 400) {}
export class UnsupportedResponseType extends define("unsupported_response_type", 400) {}
export class UnsupportedTokenType extends define("unsupported_token_type", 400) {}
export class InvalidScope extends define("invalid_scope", 400) {}
export class InvalidTarget extends define("invalid_target", 400) {}
export class AccessDenied extends define("access_denied", 403) {}
/** access_denied answered by the token endpoint (a denied device code): 400, as RFC 6749 §5.2 and RFC 8628 §3.5 say. */
export class AccessDeniedGrant extends AccessDenied {
  override readonly status = 400;
}
export class LoginRequired extends define("login_required", 400) {}
export class ConsentRequired extends define("consent_required", 400) {}
export class InteractionRequired extends define("interaction_required", 400) {}
export class AuthorizationPending extends define("authorization_pending", 400) {}
export class SlowDown extends define("slow_down", 400) {}
export class ExpiredToken extends define("expired_token", 400) {}
/** RFC 9449 5, 7.1: a DPoP proof that cannot be accepted (400 at this server's token and push endpoints). */
export class InvalidDpopProof extends define("invalid_dpop_proof", 400) {}
/** invalid_dpop_proof at a protected resource: 401 (RFC 9449 7.1); the caller adds the DPoP challenge. */
export class InvalidDpopProofAtResource extends InvalidDpopProof {
  override readonly status = 401;
}
/** RFC 9449 8, 9: the proof must carry the nonce this server provides, sent along in `DPoP-Nonce`. */
export class UseDpopNonce extends define("use_dpop_nonce", 400) {
  constructor(nonce: string, description = "a DPoP nonce is required: sign a new proof with the DPoP-Nonce") {
    super(description);
    this.headers["dpop-nonce"] = nonce;
  }
}
/** use_dpop_nonce at a protected resource: 401 (RFC 9449 9); the caller adds the DPoP challenge. */
export class UseDpopNonceAtResource extends UseDpopNonce {
  override readonly status = 401;
}
/** OIDC Core 6 / RFC 9101 10.2: the `request` parameter is not supported here. */
export class RequestNotSupported extends define("request_not_supported", 400) {}
/** OIDC Core 6 / RFC 9101 10.2: `request_uri` values (other than this server's own pushed requests) are not fetched. */
export class RequestUriNotSupported extends define("request_uri_not_supported", 400) {}
/** RFC 9101 10.2: the request object is malformed, badly signed, or its claims are wrong. */
export class InvalidRequestObject extends define("invalid_request_object", 400) {}
/** RFC 9101 10.2 / RFC 9126 2.2: the request_uri is unknown, expired or already used. */
export class InvalidRequestUri extends define("invalid_request_uri", 400) {}
/** RFC 7591 3.2.2: a redirect URI of a registration request is not allowed. */
export class InvalidRedirectUri extends define("invalid_redirect_uri", 400) {}
/** RFC 7591 3.2.2: a metadata field is invalid (the description names it). */
export class InvalidClientMetadataError extends define("invalid_client_metadata", 400) {}
export class PayloadTooLarge extends define("invalid_request", 413) {}
/** An admin API resource that does not exist (same code as the server's 404 answer). */
export class NotFound extends define("not_found", 404) {}

/** invalid_client: 401, with a Basic challenge when the client tried HTTP Basic. */
export class InvalidClient extends OAuthError {
  readonly code = "invalid_client";
  readonly status = 401;
  constructor(description?: string, challengeBasic = false) {
    super(description);
    if (challengeBasic) this.headers["www-authenticate"] = 'Basic realm="frontdesk"';
  }
}

/** RFC 6750 errors: their challenge is built by the serializer from code and description. */
export class InvalidToken extends define("invalid_token", 401) {}
export class InsufficientScope extends OAuthError {
  readonly code = "insufficient_scope";
  readonly status = 403;
  constructor(
    readonly requiredScope: string,
    description = "the token lacks a required scope",
  ) {
    super(description);
  }
}

/** Anything unexpected: never shows internals. */
export class ServerError extends define("server_error", 500) {
  constructor() {
    super("the server could not complete the request", true);
  }
}

/** A store the request depends on is unreachable: fail closed. */
export class TemporarilyUnavailable extends OAuthError {
  readonly code = "temporarily_unavailable";
  readonly status = 503;
  constructor(description = "a backing service is unavailable; retry shortly") {
    super(description);
    this.headers["retry-after"] = "2";
  }
}
