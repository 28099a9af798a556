import type { FastifyPluginAsync } from "fastify";
import { formBody } from "../../http/form-body.js";
import { required, singleValued } from "../../oauth/params.js";
import type { FeatureRouteOptions } from "../contract.js";

export const REVOCATION_PATH = "/revoke";

/**
 * RFC 7009 revocation. The answer is 200 whether or not the token was known, valid,
 * or the caller's (so it reveals nothing); only the owning client's tokens are revoked.
 */
export const revocationRoutes: FastifyPluginAsync<FeatureRouteOptions> = async (app, { registry }) => {
  app.post(REVOCATION_PATH, async (request, reply) => {
    const params = singleValued(formBody(request));
    const client = await registry.clientAuth.authenticate(request, params);
    const token = required(params, "token");
    const kinds = registry.revocation;
    const order = params.token_type_hint === "refresh_token" ? [...kinds].reverse() : kinds;
    for (const kind of order) if (await kind.revoke(token, client)) break;
    return reply.header("cache-control", "no-store").send();
  });
};
