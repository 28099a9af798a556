import type { FastifyInstance } from "fastify";
import type { Context } from "../context.js";
import { paths } from "./discovery/metadata.js";

/** The public keys: next, active and retired. Short cache, so rotations propagate. */
export function registerJwks(app: FastifyInstance, ctx: Context): void {
  let cached: { source: object; body: string } | undefined;
  app.get(paths.jwks, async (_request, reply) => {
    const jwks = await ctx.keys.publicJwks();
    if (cached?.source !== jwks) cached = { source: jwks, body: JSON.stringify(jwks) };
    return reply
      .header("content-type", "application/jwk-set+json")
      .header("cache-control", "public, max-age=60")
      .send(cached.body);
  });
}
