import type { Context } from "../../context.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import { hashToken } from "../../tokens/opaque.js";

/** One kind of revocable token. Returns true when the token was recognised as this kind. */
export interface RevocationType {
  name: "access_token" | "refresh_token";
  revoke(ctx: Context, token: string, caller: ClientRecord): Promise<boolean>;
}

const accessToken: RevocationType = {
  name: "access_token",
  async revoke(ctx, token, caller) {
    const claims = await ctx.accessTokens.verify(token);
    if (!claims) return false;
    if (claims.client_id === caller.id) await ctx.revocations.revokeAccessToken(claims.jti, claims.exp);
    return true;
  },
};

const refreshToken: RevocationType = {
  name: "refresh_token",
  async revoke(ctx, token, caller) {
    if (token.length > 128) return false;
    const record = await ctx.durable.refreshTokens.get(hashToken(token));
    if (!record) return false;
    // Revoking a refresh token revokes its whole family (and the access tokens it issued).
    if (record.clientId === caller.id) await ctx.refreshTokens.revokeFamily(record.familyId);
    return true;
  },
};

export const revocationTypes: RevocationType[] = [accessToken, refreshToken];
