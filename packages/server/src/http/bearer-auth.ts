import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerChallenge } from "../errors/challenge.js";
import { InsufficientScope, InvalidRequest, InvalidToken, OAuthError } from "../errors/oauth-errors.js";
import { liveAccessToken, type Revocations } from "../revocation/revocations.js";
import { type AccessTokenClaims, type AccessTokens, boundKey } from "../tokens/access-token.js";

const REALM = "frontdesk";

/** DPoP at the server's own resources (RFC 9449 7), as the dpop feature provides it. */
export interface ResourceProof {
  /** Proof algorithms accepted, offered in every DPoP challenge (`algs`). */
  readonly algorithms: readonly string[];
  /**
   * Checks the request's DPoP proof for this access token: `htm`, `htu`, `ath`, that it
   * is signed by the token's key (`jkt`), the nonce, replay. Throws the refusal; on
   * success may add headers to the reply (a fresh `DPoP-Nonce`).
   */
  verify(request: FastifyRequest, reply: FastifyReply, token: { value: string; jkt: string }): Promise<void>;
}

/** What authenticating a request to one of the server's resources needs. */
export interface ResourceAuthDeps {
  accessTokens: AccessTokens;
  revocations: Revocations;
  /** DPoP, when the dpop feature is on; without it only `Authorization: Bearer` is understood. */
  dpop?: ResourceProof;
}

type Scheme = "Bearer" | "DPoP";

/** A DPoP challenge (RFC 9449 7.1): the error, if any, and the accepted algorithms. */
function dpopChallenge(dpop: ResourceProof, error?: OAuthError): string {
  return bearerChallenge(
    {
      error: error?.code,
      error_description: error?.expose ? error.description : undefined,
      scope: error instanceof InsufficientScope ? error.requiredScope : undefined,
      algs: dpop.algorithms.join(" "),
    },
    "DPoP",
  );
}

/** A refusal (401, 403), answered with a DPoP challenge when DPoP is on and it has no challenge yet. */
function withDpopChallenge<E>(error: E, dpop: ResourceProof | undefined): E {
  const refusal = error instanceof OAuthError && (error.status === 401 || error.status === 403);
  if (dpop && refusal && !error.headers["www-authenticate"])
    error.headers["www-authenticate"] = dpopChallenge(dpop, error);
  return error;
}

/** No credentials at all: 401 with bare challenges, one per scheme (RFC 6750 3.1: no error code then). */
export class TokenRequired extends OAuthError {
  readonly code = "invalid_token";
  readonly status = 401;
  constructor(dpop?: ResourceProof) {
    super("an access token is required");
    const bearer = bearerChallenge({ realm: REALM });
    this.headers["www-authenticate"] = dpop ? `${bearer}, ${dpopChallenge(dpop)}` : bearer;
  }
}

function malformedAuthorization(): InvalidRequest {
  // RFC 6750 3.1: invalid_request also carries the Bearer challenge.
  const error = new InvalidRequest("malformed Authorization header");
  error.headers["www-authenticate"] = bearerChallenge({
    realm: REALM,
    error: error.code,
    error_description: error.description,
  });
  return error;
}

const CREDENTIALS = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The scheme and token of the `Authorization` header (schemes case-insensitive; DPoP only when on). */
function presentedToken(request: FastifyRequest, dpop?: ResourceProof): { scheme: Scheme; token: string } {
  const header = request.headers.authorization;
  if (header === undefined) throw new TokenRequired(dpop);
  const match = CREDENTIALS.exec(header);
  const scheme = match?.[1]?.toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  if (!match?.[2] || (scheme === "DPoP" && !dpop)) throw malformedAuthorization();
  return { scheme, token: match[2] };
}

/** The token of an `Authorization: Bearer` header (scheme case-insensitive). */
export function bearerToken(request: FastifyRequest): string {
  return presentedToken(request).token;
}

async function checkToken(
  ctx: ResourceAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  presented: { scheme: Scheme; token: string },
  required: { scope: string; audience?: string },
): Promise<AccessTokenClaims> {
  const claims = await liveAccessToken(ctx, presented.token);
  if (!claims) throw new InvalidToken("the access token is invalid, expired or revoked");
  const jkt = boundKey(claims);
  // RFC 9449 7.2: a DPoP-bound token is never accepted as a bearer token.
  if (presented.scheme === "Bearer" && jkt !== undefined)
    throw withDpopChallenge(
      new InvalidToken("the access token is DPoP-bound: send it with Authorization: DPoP and a proof"),
      ctx.dpop,
    );
  if (presented.scheme === "DPoP") {
    if (jkt === undefined) throw new InvalidToken("the access token is not DPoP-bound: send it as Bearer");
    await ctx.dpop?.verify(request, reply, { value: presented.token, jkt });
  }
  if (required.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(required.audience))
      throw new InvalidToken("the access token is not meant for this API");
  }
  if (!(claims.scope ?? "").split(" ").includes(required.scope)) throw new InsufficientScope(required.scope);
  return claims;
}

/**
 * Authenticates a request to one of the server's own resources with a Frontdesk
 * access token: signature, expiry, revocation, the DPoP proof of a bound token,
 * audience (when given) and scope. Refusals of a DPoP request, or of a bound token
 * sent as Bearer, carry a DPoP challenge; others a Bearer one.
 */
export async function authenticateBearer(
  ctx: ResourceAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  required: { scope: string; audience?: string },
): Promise<AccessTokenClaims> {
  const presented = presentedToken(request, ctx.dpop);
  try {
    return await checkToken(ctx, request, reply, presented, required);
  } catch (error) {
    throw presented.scheme === "DPoP" ? withDpopChallenge(error, ctx.dpop) : error;
  }
}
