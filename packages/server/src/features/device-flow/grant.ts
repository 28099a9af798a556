import {
  AccessDeniedGrant,
  AuthorizationPending,
  ExpiredToken,
  InvalidGrant,
  SlowDown,
} from "../../errors/oauth-errors.js";
import { required } from "../../oauth/params.js";
import { issueUserTokens } from "../../tokens/user-tokens.js";
import type { CoreServices, GrantHandler } from "../contract.js";
import type { DeviceCodes } from "./device-codes.js";

/**
 * RFC 8628 §3.4–3.5: the device polls with its device code until the person has
 * answered. Approved: tokens as for the code flow (ID token with `openid`, refresh
 * token with `offline_access`), and the device code is spent.
 */
export function deviceCodeGrant(
  ctx: Pick<CoreServices, "config" | "durable" | "accessTokens" | "idTokens" | "refreshTokens" | "sessions">,
  deviceCodes: DeviceCodes,
): GrantHandler {
  return async ({ client, params, binding }) => {
    const deviceCode = required(params, "device_code");
    const result = await deviceCodes.poll(deviceCode, client.id);
    switch (result.state) {
      case "unknown":
        throw new InvalidGrant("invalid device code");
      case "spent":
        throw new InvalidGrant("device code already used");
      case "expired":
        throw new ExpiredToken("the device code has expired; start again");
      case "denied":
        throw new AccessDeniedGrant("the user denied the request");
      case "slow_down":
        throw new SlowDown("polling too often; add 5 seconds to the interval");
      case "pending":
        throw new AuthorizationPending("the user has not answered yet");
    }
    const { authorization, approval } = result;
    const user = await ctx.durable.users.get(approval.userId);
    if (!user || user.disabled) throw new InvalidGrant("the user is no longer active");
    const issued = await issueUserTokens(ctx, {
      client,
      user,
      scopes: authorization.scopes,
      audience: authorization.audience,
      sid: approval.sid,
      authTime: approval.authTime,
      acr: approval.acr,
      amr: approval.amr,
      idp: approval.idp ?? null,
      nonce: null,
      binding,
    });
    return issued.response;
  };
}
