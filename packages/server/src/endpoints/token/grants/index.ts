import type { GrantHandler } from "../grant.js";
import { authorizationCode } from "./authorization-code.js";
import { clientCredentials } from "./client-credentials.js";
import { refreshToken } from "./refresh-token.js";

/** Grant types the token endpoint serves, by `grant_type` value. */
export const grantHandlers: Record<string, GrantHandler> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentials,
};
