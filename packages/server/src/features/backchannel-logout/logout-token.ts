import { SignJWT } from "jose";
import type { KeyManager } from "../../keys/key-manager.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** The event a logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

export interface LogoutTokenInput {
  client: Pick<ClientRecord, "id" | "metadata">;
  sid: string;
  sub: string;
  jti: string;
  /** Epoch seconds. */
  iat: number;
  ttl: number;
}

/**
 * Signs a logout token: `typ` `logout+jwt`, `iss`, `aud` = the client, `iat`, `exp`,
 * `jti`, the back-channel logout event, and both `sid` and `sub` (never a `nonce`),
 * with the client's `id_token_signed_response_alg` (RS256 by default).
 */
export async function signLogoutToken(keys: KeyManager, issuer: string, input: LogoutTokenInput) {
  const signing = await keys.signingKey(input.client.metadata.idTokenSignedResponseAlg ?? "RS256");
  return new SignJWT({ events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, sid: input.sid })
    .setProtectedHeader({ alg: signing.alg, typ: "logout+jwt", kid: signing.kid })
    .setIssuer(issuer)
    .setSubject(input.sub)
    .setAudience(input.client.id)
    .setIssuedAt(input.iat)
    .setExpirationTime(input.iat + input.ttl)
    .setJti(input.jti)
    .sign(signing.key);
}
