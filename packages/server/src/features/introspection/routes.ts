import type { FastifyPluginAsync } from "fastify";
import { InvalidClient } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { required, singleValued } from "../../oauth/params.js";
import type { FeatureRouteOptions } from "../contract.js";

export const INTROSPECTION_PATH = "/introspect";

/**
 * RFC 7662 introspection for authenticated confidential clients (resource
 * servers). Unknown, expired or revoked tokens are `{"active": false}` and nothing more.
 * The token kinds are the registry's (in order; reversed for token_type_hint=refresh_token).
 */
export const introspectionRoutes: FastifyPluginAsync<FeatureRouteOptions> = async (app, { registry }) => {
  app.post(INTROSPECTION_PATH, async (request, reply) => {
    const params = singleValued(formBody(request));
    const client = await registry.clientAuth.authenticate(request, params);
    if (client.tokenEndpointAuthMethod === "none")
      throw new InvalidClient("public clients cannot introspect");
    const token = required(params, "token");
    const kinds = registry.introspection;
    const order = params.token_type_hint === "refresh_token" ? [...kinds].reverse() : kinds;
    let answer: Record<string, unknown> = { active: false };
    for (const kind of order) {
      const found = await kind.introspect(token, client);
      if (found) {
        answer = found;
        break;
      }
    }
    return reply.header("cache-control", "no-store").send(answer);
  });
};
