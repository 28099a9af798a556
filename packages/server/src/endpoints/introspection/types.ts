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

/** In the order tried without a hint; reversed for token_type_hint=refresh_token. */
export const introspectionTypes: IntrospectionType[] = [accessToken];
