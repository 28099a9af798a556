import type { GrantHandler } from "../grant.js";
import { clientCredentials } from "./client-credentials.js";

/** Grant types the token endpoint serves, by `grant_type` value. */
export const grantHandlers: Record<string, GrantHandler> = {
  client_credentials: clientCredentials,
};
