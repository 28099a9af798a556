import type { FastifyInstance } from "fastify";
import type { Context } from "../../context.js";
import { formBody } from "../../http/form-body.js";
import { authenticateClient } from "../../shared/authenticate-client.js";
import { required, singleValued } from "../../shared/params.js";
import { paths } from "../discovery/metadata.js";
import { revocationTypes } from "./types.js";

/**
 * RFC 7009 revocation. The answer is 200 whether or not the token was known, valid,
 * or the caller's (so it reveals nothing); only the owning client's tokens are revoked.
 */
export function registerRevocation(app: FastifyInstance, ctx: Context): void {
  app.post(paths.revocation, async (request, reply) => {
    const params = singleValued(formBody(request));
    const client = await authenticateClient(request, params, ctx);
    const token = required(params, "token");
    const order =
      params.token_type_hint === "refresh_token" ? [...revocationTypes].reverse() : revocationTypes;
    for (const type of order) if (await type.revoke(ctx, token, client)) break;
    return reply.header("cache-control", "no-store").send();
  });
}
