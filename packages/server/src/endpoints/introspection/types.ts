import type { Context } from "../../context.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** One kind of token introspection can recognise. Returns undefined when the token is not of this kind or not active. */
export interface IntrospectionType {
  name: "access_token" | "refresh_token";
  introspect(ctx: Context, token: string, caller: ClientRecord): Promise<Record<string, unknown> | undefined>;
}

const accessToken: IntrospectionType = {
  name: "access_token",
  async introspect(ctx, token) {
    const claims = await ctx.accessTokens.verify(token);
    if (!claims || (await ctx.revocations.isRevoked(claims))) return undefined;
    return { active: true, token_type: "Bearer", ...claims };
  },
};

const refreshToken: IntrospectionType = {
  name: "refresh_token",
  async introspect(ctx, token, caller) {
    if (token.length > 128) return undefined;
    const found = await ctx.refreshTokens.lookup(token);
    // A refresh token is its client's secret: only that client learns about it.
    if (!found || found.record.clientId !== caller.id) return undefined;
    const { record, family } = found;
    return {
      active: true,
      token_type: "refresh_token",
      client_id: record.clientId,
      sub: record.userId,
      scope: record.scopes.join(" "),
      iss: ctx.config.issuer,
      iat: record.issuedAt,
      exp: Math.min(record.expiresAt, family.expiresAt),
    };
  },
};

/** In the order tried without a hint; reversed for token_type_hint=refresh_token. */
export const introspectionTypes: IntrospectionType[] = [accessToken, refreshToken];
