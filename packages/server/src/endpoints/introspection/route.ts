import type { FastifyInstance } from "fastify";
import type { Context } from "../../context.js";
import { InvalidClient } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { authenticateClient } from "../../shared/authenticate-client.js";
import { required, singleValued } from "../../shared/params.js";
import { paths } from "../discovery/metadata.js";
import { introspectionTypes } from "./types.js";

/**
 * RFC 7662 introspection for authenticated confidential clients (resource
 * servers). Unknown, expired or revoked tokens are `{"active": false}` and nothing more.
 */
export function registerIntrospection(app: FastifyInstance, ctx: Context): void {
  app.post(paths.introspection, async (request, reply) => {
    const params = singleValued(formBody(request));
    const client = await authenticateClient(request, params, ctx);
    if (client.tokenEndpointAuthMethod === "none")
      throw new InvalidClient("public clients cannot introspect");
    const token = required(params, "token");
    const hint = params.token_type_hint;
    const order = hint === "refresh_token" ? [...introspectionTypes].reverse() : introspectionTypes;
    let answer: Record<string, unknown> = { active: false };
    for (const type of order) {
      const found = await type.introspect(ctx, token, client);
      if (found) {
        answer = found;
        break;
      }
    }
    return reply.header("cache-control", "no-store").send(answer);
  });
}
