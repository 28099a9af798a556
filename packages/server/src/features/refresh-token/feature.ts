import { defineFeature } from "../contract.js";
import { refreshTokenGrant } from "./grant.js";

/** `grant_type=refresh_token` with rotation and reuse detection. */
export const refreshTokenFeature = defineFeature({
  name: "refreshToken",
  build: (services) => ({ grants: { refresh_token: refreshTokenGrant(services) } }),
});
