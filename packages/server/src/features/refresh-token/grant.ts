import { InvalidGrant } from "../../errors/oauth-errors.js";
import { required } from "../../oauth/params.js";
import { resolveAudience } from "../../oauth/resource.js";
import { parseScope, requireAllowed } from "../../oauth/scopes.js";
import { issueUserTokens } from "../../tokens/user-tokens.js";
import type { CoreServices, GrantHandler } from "../contract.js";

const REASONS = {
  unknown: "invalid refresh token",
  wrong_client: "refresh token was issued to another client",
  wrong_key: "refresh token is bound to another DPoP key: send a DPoP proof signed with it",
  expired: "refresh token expired",
  revoked: "refresh token revoked",
  reused: "refresh token reused: the whole token family is revoked",
} as const;

/**
 * RFC 6749 6 with rotation (OAuth 2.1): each use returns a new refresh token; scope
 * may be narrowed, never widened; reuse of a rotated token revokes the family. A
 * family bound to a DPoP key (a public client's, RFC 9449 5) refreshes only with a
 * proof of that key; without one it is invalid_grant and nothing changes.
 */
export function refreshTokenGrant(
  ctx: Pick<
    CoreServices,
    "config" | "durable" | "accessTokens" | "idTokens" | "refreshTokens" | "revocations" | "sessions"
  >,
): GrantHandler {
  return async ({ client, params, binding }) => {
    const presented = required(params, "refresh_token");
    const requested = parseScope(params.scope);
    const audience = resolveAudience(params.resource, ctx.config.resources);
    // Scope is checked against the token before rotating, so a widened request changes nothing.
    const before = await ctx.refreshTokens.lookup(presented);
    if (before && before.record.clientId === client.id) requireAllowed(requested, before.record.scopes);
    const proven = binding.confirmation?.jkt;
    const rotated = await ctx.refreshTokens.rotate(presented, client.id, proven, async (record, token) => {
      const user = await ctx.durable.users.get(record.userId);
      if (!user || user.disabled) return undefined;
      const sessionLive = record.sid !== null && !(await ctx.revocations.isSessionEnded(record.sid));
      return issueUserTokens(ctx, {
        client,
        user,
        scopes: record.scopes,
        accessScopes: requested.length ? requested : record.scopes,
        audience,
        sid: sessionLive ? record.sid : null,
        authTime: record.authTime,
        acr: record.acr,
        amr: record.amr,
        idp: record.idp,
        nonce: null,
        family: { id: record.familyId, refreshToken: token },
        binding,
      });
    });
    if (!rotated.ok) throw new InvalidGrant(REASONS[rotated.reason]);
    const issued = rotated.prepared;
    if (!issued) {
      await ctx.refreshTokens.revokeFamily(rotated.record.familyId);
      throw new InvalidGrant("the user is no longer active");
    }
    return issued.response;
  };
}
