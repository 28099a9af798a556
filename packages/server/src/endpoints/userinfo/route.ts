import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Context } from "../../context.js";
import { bearerChallenge } from "../../errors/challenge.js";
import { InsufficientScope, InvalidRequest, InvalidToken } from "../../errors/oauth-errors.js";
import type { UserRecord } from "../../storage/durable/types.js";
import { paths } from "../discovery/metadata.js";

class MissingToken extends Error {}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined) throw new MissingToken();
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match?.[1]) {
    // RFC 6750 3.1: invalid_request also carries the Bearer challenge.
    const error = new InvalidRequest("malformed Authorization header");
    error.headers["www-authenticate"] = bearerChallenge({
      realm: "frontdesk",
      error: error.code,
      error_description: error.description,
    });
    throw error;
  }
  return match[1];
}

/** Claims released for the granted scopes (OIDC Core 5.4). */
function claimsFor(user: UserRecord, scopes: string[]): Record<string, unknown> {
  return {
    sub: user.id,
    ...(scopes.includes("profile") ? { preferred_username: user.username, name: user.username } : {}),
    ...(scopes.includes("email") && user.email ? { email: user.email, email_verified: false } : {}),
  };
}

/** UserInfo: a Bearer JWT access token with `openid`; forged, expired or revoked tokens get 401 + WWW-Authenticate. */
export function registerUserinfo(app: FastifyInstance, ctx: Context): void {
  const handler = async (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
    let token: string;
    try {
      token = bearerToken(request);
    } catch (error) {
      if (!(error instanceof MissingToken)) throw error;
      return reply
        .code(401)
        .header("cache-control", "no-store")
        .header("www-authenticate", bearerChallenge({ realm: "frontdesk" }))
        .send({ error: "invalid_token", error_description: "an access token is required" });
    }
    const claims = await ctx.accessTokens.verify(token);
    if (!claims || (await ctx.revocations.isRevoked(claims)))
      throw new InvalidToken("the access token is invalid, expired or revoked");
    const scopes = (claims.scope ?? "").split(" ");
    if (!scopes.includes("openid")) throw new InsufficientScope("openid");
    const user = await ctx.durable.users.get(claims.sub);
    if (!user || user.disabled) throw new InvalidToken("the access token is invalid, expired or revoked");
    return reply.header("cache-control", "no-store").send(claimsFor(user, scopes));
  };
  app.get(paths.userinfo, handler);
  app.post(paths.userinfo, handler);
}
