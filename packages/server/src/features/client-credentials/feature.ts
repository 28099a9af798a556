import { defineFeature } from "../contract.js";
import { clientCredentialsGrant } from "./grant.js";

/** `grant_type=client_credentials` (RFC 6749 4.4): machine-to-machine tokens. */
export const clientCredentialsFeature = defineFeature({
  name: "clientCredentials",
  build: (services) => ({ grants: { client_credentials: clientCredentialsGrant(services) } }),
});
