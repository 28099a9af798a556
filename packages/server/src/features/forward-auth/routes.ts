import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, localUrl } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { InternalTokens } from "./internal-tokens.js";

export const FORWARD_AUTH_PATH = "/authz";
export const TOKEN_HEADER = "x-frontdesk-token";
export const LOGIN_HEADER = "x-frontdesk-login";

/**
 * The URI the gateway asks about, raw as the browser sent it (path and query,
 * percent-encoded): `X-Original-URI` (nginx, set in the documented snippet),
 * `X-Forwarded-Uri` (Caddy's forward_auth, Traefik), or the path Envoy's ext_authz
 * appends to /authz. Undefined when the gateway does not say.
 */
function originalUri(request: FastifyRequest): string | undefined {
  for (const name of ["x-original-uri", "x-forwarded-uri"]) {
    const value = request.headers[name];
    if (typeof value === "string" && value) return value;
  }
  const rest = request.url.slice(FORWARD_AUTH_PATH.length);
  return rest.startsWith("/") ? rest : undefined;
}

/**
 * Forward-auth for gateways (nginx auth_request, Caddy forward_auth, Envoy
 * ext_authz in HTTP mode): a live session cookie in -> 200 with a short-lived
 * internal JWT in `X-Frontdesk-Token`; no session -> 401 with the sign-in link in
 * `X-Frontdesk-Login`, so the gateway sends the browser there. The link carries
 * the original URI as `return_to`, percent-encoded here because neither nginx nor
 * Caddy can encode a query parameter. Any method and sub-path is accepted
 * (ext_authz appends the original path).
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
          .header(
            LOGIN_HEADER,
            `${ctx.config.issuer}${localUrl("/login", { return_to: safeReturnTo(originalUri(request)) })}`,
          )
          .send({ error: "login_required", error_description: "no valid session" });
      return reply.header(TOKEN_HEADER, token).header("x-frontdesk-subject", session.userId).code(200).send();
    };
    app.all(FORWARD_AUTH_PATH, handler);
    app.all(`${FORWARD_AUTH_PATH}/*`, handler);
  };
}
