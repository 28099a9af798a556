import type { FastifyRequest } from "fastify";
import { bearerChallenge } from "../errors/challenge.js";
import { InsufficientScope, InvalidRequest, InvalidToken, OAuthError } from "../errors/oauth-errors.js";
import { liveAccessToken, type Revocations } from "../revocation/revocations.js";
import type { AccessTokenClaims, AccessTokens } from "../tokens/access-token.js";

/** No credentials at all: 401 with a bare challenge (RFC 6750 3.1: no error code then). */
export class TokenRequired extends OAuthError {
  readonly code = "invalid_token";
  readonly status = 401;
  constructor() {
    super("an access token is required");
    this.headers["www-authenticate"] = bearerChallenge({ realm: "frontdesk" });
  }
}

/** The token of an `Authorization: Bearer` header (scheme case-insensitive). */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined) throw new TokenRequired();
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match?.[1]) {
    // RFC 6750 3.1: invalid_request also carries the Bearer challenge.
    const error = new InvalidRequest("malformed Authorization header");
    error.headers["www-authenticate"] = bearerChallenge({
      realm: "frontdesk",
      error: error.code,
      error_description: error.description,
    });
    throw error;
  }
  return match[1];
}

/**
 * Authenticates a request to one of the server's own resources with a Frontdesk
 * access token: signature, expiry, revocation, audience (when given) and scope.
 */
export async function authenticateBearer(
  ctx: { accessTokens: AccessTokens; revocations: Revocations },
  request: FastifyRequest,
  required: { scope: string; audience?: string },
): Promise<AccessTokenClaims> {
  const claims = await liveAccessToken(ctx, bearerToken(request));
  if (!claims) throw new InvalidToken("the access token is invalid, expired or revoked");
  if (required.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(required.audience))
      throw new InvalidToken("the access token is not meant for this API");
  }
  if (!(claims.scope ?? "").split(" ").includes(required.scope)) throw new InsufficientScope(required.scope);
  return claims;
}
