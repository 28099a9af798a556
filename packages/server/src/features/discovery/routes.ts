import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { FeatureRouteOptions } from "../contract.js";

export const DISCOVERY_PATHS = [
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
] as const;

/** Both well-knowns serve one document: the metadata of the enabled features, merged by the registry. */
export const discoveryRoutes: FastifyPluginAsync<FeatureRouteOptions> = async (app, { registry }) => {
  const body = JSON.stringify(registry.metadata());
  const send = async (_request: unknown, reply: FastifyReply) =>
    reply
      .header("content-type", "application/json")
      .header("cache-control", "public, max-age=300")
      .send(body);
  for (const path of DISCOVERY_PATHS) app.get(path, send);
};
