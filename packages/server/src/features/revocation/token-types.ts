import { hashToken } from "../../tokens/opaque.js";
import type { CoreServices, RevocationHandler } from "../contract.js";

/** Access tokens: revoked until they expire (pushed to guards by the feed). */
export function accessTokenRevocation({
  accessTokens,
  revocations,
}: Pick<CoreServices, "accessTokens" | "revocations">): RevocationHandler {
  return {
    name: "access_token",
    async revoke(token, caller) {
      const claims = await accessTokens.verify(token);
      if (!claims) return false;
      if (claims.client_id === caller.id) await revocations.revokeAccessToken(claims.jti, claims.exp);
      return true;
    },
  };
}

/** Refresh tokens: revoking one revokes its whole family (and the access tokens it issued). */
export function refreshTokenRevocation({
  durable,
  refreshTokens,
}: Pick<CoreServices, "durable" | "refreshTokens">): RevocationHandler {
  return {
    name: "refresh_token",
    async revoke(token, caller) {
      if (token.length > 128) return false;
      const record = await durable.refreshTokens.get(hashToken(token));
      if (!record) return false;
      if (record.clientId === caller.id) await refreshTokens.revokeFamily(record.familyId);
      return true;
    },
  };
}
