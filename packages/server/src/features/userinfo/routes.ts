import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { InvalidToken } from "../../errors/oauth-errors.js";
import { authenticateBearer } from "../../http/bearer-auth.js";
import { profileClaims } from "../../users/claims.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";

export const USERINFO_PATH = "/userinfo";

/**
 * UserInfo: a JWT access token with `openid`, as Bearer or with its DPoP proof; forged,
 * expired or revoked tokens get 401 + WWW-Authenticate.
 */
export function userinfoRoutes(
  ctx: Pick<CoreServices, "durable" | "accessTokens" | "revocations">,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const deps = { ...ctx, dpop: registry.resourceProof };
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const claims = await authenticateBearer(deps, request, reply, { scope: "openid" });
      const scopes = (claims.scope ?? "").split(" ");
      const user = await ctx.durable.users.get(claims.sub);
      if (!user || user.disabled) throw new InvalidToken("the access token is invalid, expired or revoked");
      return reply.header("cache-control", "no-store").send({ sub: user.id, ...profileClaims(user, scopes) });
    };
    app.get(USERINFO_PATH, handler);
    app.post(USERINFO_PATH, handler);
  };
}
