import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { UnauthorizedClient, UnsupportedGrantType } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { required, singleValued } from "../../oauth/params.js";
import { refuseSeveralTargets } from "../../oauth/resource.js";
import type { FeatureRouteOptions, GrantHandler, Registry } from "../contract.js";

export const TOKEN_PATH = "/token";

function pickGrant(registry: Registry, grantType: string): GrantHandler {
  const handler = registry.grants.get(grantType);
  if (!handler) throw new UnsupportedGrantType(`grant_type "${grantType}" is not supported`);
  return handler;
}

/**
 * Token endpoint: parse (one target) -> pick the grant -> authenticate the client ->
 * check the client may use the grant -> bind -> grant handler -> no-store JSON.
 */
export const tokenRoutes: FastifyPluginAsync<FeatureRouteOptions> = async (app, { registry }) => {
  app.post(TOKEN_PATH, async (request: FastifyRequest, reply) => {
    const form = formBody(request);
    refuseSeveralTargets(form);
    const params = singleValued(form);
    const handler = pickGrant(registry, required(params, "grant_type"));
    const client = await registry.clientAuth.authenticate(request, params);
    const grantType = params.grant_type as string;
    if (!client.grantTypes.includes(grantType))
      throw new UnauthorizedClient(`client is not allowed the ${grantType} grant`);
    const binding = await registry.tokenBinding(request, client, reply);
    const response = await handler({ client, params, request, binding, registry });
    return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(response);
  });
};
