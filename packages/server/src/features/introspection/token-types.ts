import { liveAccessToken } from "../../revocation/revocations.js";
import { boundKey } from "../../tokens/access-token.js";
import type { CoreServices, IntrospectionHandler } from "../contract.js";

/**
 * Access tokens (JWTs this server signed, not revoked). A token bound to a key says so
 * (`token_type` `DPoP` and its `cnf`, RFC 9449 6.2) whether or not DPoP is still on:
 * the binding is the token's, and a resource must not take it as a bearer token.
 */
export function accessTokenIntrospection(
  ctx: Pick<CoreServices, "accessTokens" | "revocations">,
): IntrospectionHandler {
  return {
    name: "access_token",
    async introspect(token) {
      const claims = await liveAccessToken(ctx, token);
      if (!claims) return undefined;
      return { active: true, token_type: boundKey(claims) ? "DPoP" : "Bearer", ...claims };
    },
  };
}

/** Refresh tokens, to the client that holds them only. */
export function refreshTokenIntrospection({
  config,
  refreshTokens,
}: Pick<CoreServices, "config" | "refreshTokens">): IntrospectionHandler {
  return {
    name: "refresh_token",
    async introspect(token, caller) {
      if (token.length > 128) return undefined;
      const found = await refreshTokens.lookup(token);
      // A refresh token is its client's secret: only that client learns about it.
      if (!found || found.record.clientId !== caller.id) return undefined;
      const { record, family } = found;
      return {
        active: true,
        token_type: "refresh_token",
        client_id: record.clientId,
        sub: record.userId,
        scope: record.scopes.join(" "),
        iss: config.issuer,
        iat: record.issuedAt,
        exp: Math.min(record.expiresAt, family.expiresAt),
      };
    },
  };
}
