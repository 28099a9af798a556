import { InvalidGrant } from "../../errors/oauth-errors.js";
import { required } from "../../oauth/params.js";
import { verifierMatches } from "../../oauth/pkce.js";
import { issueUserTokens } from "../../tokens/user-tokens.js";
import type { CoreServices, GrantHandler } from "../contract.js";

/**
 * RFC 6749 4.1.3 with PKCE (RFC 7636, S256 only): a code is single use, short-lived,
 * bound to its client, redirect URI and challenge, and to a DPoP key when the request
 * named one (`dpop_jkt`, RFC 9449 10). A replayed code is refused and everything
 * issued from it is revoked.
 */
export function authorizationCodeGrant(
  ctx: Pick<
    CoreServices,
    | "config"
    | "durable"
    | "codes"
    | "accessTokens"
    | "idTokens"
    | "refreshTokens"
    | "revocations"
    | "sessions"
  >,
): GrantHandler {
  return async ({ client, params, binding }) => {
    const code = required(params, "code");
    const redirectUri = required(params, "redirect_uri");
    const verifier = required(params, "code_verifier");
    const redeemed = await ctx.codes.redeem(code);
    if (!redeemed) throw new InvalidGrant("invalid or expired authorization code");
    if ("replayed" in redeemed) {
      if (redeemed.replayed) {
        const { familyId, jti, exp } = redeemed.replayed;
        if (familyId) await ctx.refreshTokens.revokeFamily(familyId);
        await ctx.revocations.revokeAccessToken(jti, exp);
      }
      throw new InvalidGrant("authorization code already used; tokens issued from it are revoked");
    }
    const { grant } = redeemed;
    if (grant.clientId !== client.id)
      throw new InvalidGrant("authorization code was issued to another client");
    if (grant.redirectUri !== redirectUri)
      throw new InvalidGrant("redirect_uri does not match the authorization request");
    if (!verifierMatches(verifier, grant.codeChallenge)) throw new InvalidGrant("PKCE verification failed");
    if (grant.dpopJkt !== undefined && grant.dpopJkt !== binding.confirmation?.jkt)
      throw new InvalidGrant("the authorization code is bound to another DPoP key (dpop_jkt)");
    const user = await ctx.durable.users.get(grant.userId);
    if (!user || user.disabled) throw new InvalidGrant("the user is no longer active");
    const issued = await issueUserTokens(ctx, {
      client,
      user,
      scopes: grant.scopes,
      audience: grant.audience,
      sid: grant.sid,
      authTime: grant.authTime,
      acr: grant.acr,
      amr: grant.amr,
      idp: grant.idp ?? null,
      nonce: grant.nonce,
      binding,
    });
    const replayed = await ctx.codes.recordIssued(code, {
      familyId: issued.familyId,
      jti: issued.jti,
      exp: issued.exp,
    });
    if (replayed) {
      // A concurrent replay arrived while these tokens were being issued: they are revoked like any replay's.
      if (issued.familyId) await ctx.refreshTokens.revokeFamily(issued.familyId);
      await ctx.revocations.revokeAccessToken(issued.jti, issued.exp);
    }
    return issued.response;
  };
}
