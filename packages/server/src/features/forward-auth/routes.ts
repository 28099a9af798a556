import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { currentSession } from "../../http/page-route.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { InternalTokens } from "./internal-tokens.js";

export const FORWARD_AUTH_PATH = "/authz";
export const TOKEN_HEADER = "x-frontdesk-token";

/**
 * Forward-auth for gateways (nginx auth_request, Caddy forward_auth, Envoy
 * ext_authz in HTTP mode): a live session cookie in -> 200 with a short-lived
 * internal JWT in `X-Frontdesk-Token`; no session -> 401, so the gateway sends the
 * browser to sign in. Any method and sub-path is accepted (ext_authz appends the
 * original path).
 */
export function forwardAuthRoutes(
  ctx: Pick<CoreServices, "config" | "durable" | "fast" | "accessTokens" | "sessions" | "cookies">,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, _options) => {
    const tokens = new InternalTokens(ctx);
    app.addHook("onClose", async () => tokens.close());
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header("cache-control", "no-store");
      const session = await currentSession(ctx, request);
      const token = session && (await tokens.forSession(session));
      if (!session || !token)
        return reply
          .code(401)
          .header("x-frontdesk-login", `${ctx.config.issuer}/login`)
          .send({ error: "login_required", error_description: "no valid session" });
      return reply.header(TOKEN_HEADER, token).header("x-frontdesk-subject", session.userId).code(200).send();
    };
    app.all(FORWARD_AUTH_PATH, handler);
    app.all(`${FORWARD_AUTH_PATH}/*`, handler);
  };
}
