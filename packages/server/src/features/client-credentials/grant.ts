import { UnauthorizedClient } from "../../errors/oauth-errors.js";
import { resolveAudience } from "../../oauth/resource.js";
import { parseScope, requireAllowed } from "../../oauth/scopes.js";
import type { CoreServices, GrantHandler } from "../contract.js";

/**
 * RFC 6749 4.4: a confidential client gets a token for itself. Scopes default to
 * everything the client is registered for; the audience comes from `resource`.
 */
export function clientCredentialsGrant({
  config,
  accessTokens,
}: Pick<CoreServices, "config" | "accessTokens">): GrantHandler {
  return async ({ client, params, binding, registry }) => {
    if (client.tokenEndpointAuthMethod === "none")
      throw new UnauthorizedClient("public clients cannot use client_credentials");
    const requested = parseScope(params.scope);
    requireAllowed(requested, client.scopes);
    const scopes = requested.length ? requested : client.scopes;
    // Some resources (the admin API) only machine clients may ask for (their scopes guard them).
    const audience = resolveAudience(params.resource, [...config.resources, ...registry.machineAudiences]);
    const { token } = await accessTokens.issue({
      sub: client.id,
      clientId: client.id,
      audience,
      scopes,
      ttl: config.accessTokenTtl,
      ...(binding.confirmation ? { extra: { cnf: binding.confirmation } } : {}),
    });
    return {
      access_token: token,
      token_type: binding.tokenType,
      expires_in: config.accessTokenTtl,
      ...(scopes.length ? { scope: scopes.join(" ") } : {}),
    };
  };
}
