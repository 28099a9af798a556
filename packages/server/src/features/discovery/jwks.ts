import type { FastifyPluginAsync } from "fastify";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";

export const JWKS_PATH = "/jwks";

/** The public keys: next, active and retired. Short cache, so rotations propagate. */
export function jwksRoutes(ctx: Pick<CoreServices, "keys">): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app) => {
    let cached: { source: object; body: string } | undefined;
    app.get(JWKS_PATH, async (_request, reply) => {
      const jwks = await ctx.keys.publicJwks();
      if (cached?.source !== jwks) cached = { source: jwks, body: JSON.stringify(jwks) };
      return reply
        .header("content-type", "application/jwk-set+json")
        .header("cache-control", "public, max-age=60")
        .send(cached.body);
    });
  };
}
