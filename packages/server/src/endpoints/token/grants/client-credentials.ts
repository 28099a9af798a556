import { UnauthorizedClient } from "../../../errors/oauth-errors.js";
import { resolveAudience } from "../../../shared/resource.js";
import { parseScope, requireAllowed } from "../../../shared/scopes.js";
import { adminAudience } from "../../admin/route.js";
import type { GrantHandler } from "../grant.js";

/**
 * RFC 6749 4.4: a confidential client gets a token for itself. Scopes default to
 * everything the client is registered for; the audience comes from `resource`.
 */
export const clientCredentials: GrantHandler = async ({ ctx, client, params }) => {
  if (client.tokenEndpointAuthMethod === "none")
    throw new UnauthorizedClient("public clients cannot use client_credentials");
  const requested = parseScope(params.scope);
  requireAllowed(requested, client.scopes);
  const scopes = requested.length ? requested : client.scopes;
  // The admin API is a resource only machine clients may ask for (its scope guards it).
  const audience = resolveAudience(params.resource, [
    ...ctx.config.resources,
    adminAudience(ctx.config.issuer),
  ]);
  const { token } = await ctx.accessTokens.issue({
    sub: client.id,
    clientId: client.id,
    audience,
    scopes,
    ttl: ctx.config.accessTokenTtl,
  });
  return {
    access_token: token,
    token_type: "Bearer",
    expires_in: ctx.config.accessTokenTtl,
    ...(scopes.length ? { scope: scopes.join(" ") } : {}),
  };
};
