import type { Config } from "../config/schema.js";
import type { SessionService } from "../sessions/sessions.js";
import type { ClientRecord, UserRecord } from "../storage/durable/types.js";
import { profileClaims } from "../users/claims.js";
import type { AccessTokens } from "./access-token.js";
import type { IdTokens } from "./id-token.js";
import type { RefreshTokens } from "./refresh-tokens.js";
import { BEARER, type TokenBinding, type TokenResponse } from "./token-response.js";

/** What issuing a user's tokens needs. */
export interface UserTokenDeps {
  config: Pick<Config, "accessTokenTtl" | "idTokenTtl" | "idTokenProfileClaims">;
  accessTokens: AccessTokens;
  idTokens: IdTokens;
  refreshTokens: RefreshTokens;
  /** Remembers which clients got tokens in a session (told when it ends: back-channel logout). */
  sessions: Pick<SessionService, "recordClient">;
}

export interface UserGrant {
  client: ClientRecord;
  user: UserRecord;
  /** Scopes of the grant (refresh token); `accessScopes` may narrow them for this access token. */
  scopes: string[];
  accessScopes?: string[];
  audience: string;
  sid: string | null;
  authTime: number;
  acr: string | null;
  amr: string[];
  /** The upstream provider of the sign-in: the ID token's `idp` (null: a local one). */
  idp?: string | null;
  nonce: string | null;
  /** Continue this family (refresh) instead of starting one. */
  family?: { id: string; refreshToken: string };
  /** From the token endpoint's binding step; Bearer when absent. */
  binding?: TokenBinding;
}

/**
 * The key a new refresh-token family is bound to (RFC 9449 5): a public client's proven
 * DPoP key. A confidential client's refresh tokens are already bound to its credentials.
 */
function refreshTokenKey(client: ClientRecord, binding: TokenBinding): string | null {
  return client.tokenEndpointAuthMethod === "none" ? (binding.confirmation?.jkt ?? null) : null;
}

/**
 * Issues what a user grant yields: an access token, an ID token when `openid` was
 * granted, and a refresh token (new family) when `offline_access` was granted to a
 * client allowed the refresh_token grant.
 */
export async function issueUserTokens(
  ctx: UserTokenDeps,
  grant: UserGrant,
): Promise<{ response: TokenResponse; familyId?: string; jti: string; exp: number }> {
  const { client, user, config } = { ...grant, config: ctx.config };
  const accessScopes = grant.accessScopes ?? grant.scopes;
  const binding = grant.binding ?? BEARER;
  if (grant.sid) await ctx.sessions.recordClient(grant.sid, client.id);
  let family = grant.family;
  if (!family && grant.scopes.includes("offline_access") && client.grantTypes.includes("refresh_token")) {
    const issued = await ctx.refreshTokens.issue(
      {
        clientId: client.id,
        userId: user.id,
        scopes: grant.scopes,
        sid: grant.sid,
        authTime: grant.authTime,
        acr: grant.acr,
        amr: grant.amr,
        idp: grant.idp ?? null,
      },
      refreshTokenKey(client, binding),
    );
    family = { id: issued.familyId, refreshToken: issued.token };
  }
  const { token, claims } = await ctx.accessTokens.issue({
    sub: user.id,
    clientId: client.id,
    audience: grant.audience,
    scopes: accessScopes,
    ttl: config.accessTokenTtl,
    revokedBefore: user.tokensRevokedBefore,
    extra: {
      ...(grant.sid ? { sid: grant.sid } : {}),
      auth_time: grant.authTime,
      ...(grant.acr ? { acr: grant.acr } : {}),
      ...(grant.amr.length ? { amr: grant.amr } : {}),
      ...(binding.confirmation ? { cnf: binding.confirmation } : {}),
    },
  });
  if (family) await ctx.refreshTokens.trackAccessToken(family.id, claims.jti, claims.exp);
  const idToken = grant.scopes.includes("openid")
    ? await ctx.idTokens.issue({
        sub: user.id,
        clientId: client.id,
        nonce: grant.nonce,
        authTime: grant.authTime,
        sid: grant.sid,
        acr: grant.acr,
        amr: grant.amr,
        idp: grant.idp ?? null,
        accessToken: token,
        ttl: config.idTokenTtl,
        alg: client.metadata.idTokenSignedResponseAlg ?? "RS256",
        ...(config.idTokenProfileClaims ? { claims: profileClaims(user, grant.scopes) } : {}),
      })
    : undefined;
  return {
    familyId: family?.id,
    jti: claims.jti,
    exp: claims.exp,
    response: {
      access_token: token,
      token_type: binding.tokenType,
      expires_in: config.accessTokenTtl,
      scope: accessScopes.join(" "),
      ...(family ? { refresh_token: family.refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    },
  };
}
