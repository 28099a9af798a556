import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Context } from "../../context.js";
import { UnauthorizedClient, UnsupportedGrantType } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { authenticateClient } from "../../shared/authenticate-client.js";
import { required, singleValued } from "../../shared/params.js";
import { paths } from "../discovery/metadata.js";
import type { GrantHandler } from "./grant.js";
import { grantHandlers } from "./grants/index.js";

function pickGrant(grantType: string): GrantHandler {
  const handler = Object.hasOwn(grantHandlers, grantType) ? grantHandlers[grantType] : undefined;
  if (!handler) throw new UnsupportedGrantType(`grant_type "${grantType}" is not supported`);
  return handler;
}

/** Token endpoint: parse -> authenticate client -> check grant type -> grant handler -> no-store JSON. */
export function registerTokenEndpoint(app: FastifyInstance, ctx: Context): void {
  app.post(paths.token, async (request: FastifyRequest, reply) => {
    const params = singleValued(formBody(request));
    const handler = pickGrant(required(params, "grant_type"));
    const client = await authenticateClient(request, params, ctx);
    const grantType = params.grant_type as string;
    if (!client.grantTypes.includes(grantType))
      throw new UnauthorizedClient(`client is not allowed the ${grantType} grant`);
    const response = await handler({ ctx, client, params, request });
    return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(response);
  });
}
