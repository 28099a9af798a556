import { defineFeature } from "../contract.js";
import { REVOCATION_PATH, revocationRoutes } from "./routes.js";
import { accessTokenRevocation, refreshTokenRevocation } from "./token-types.js";

/** RFC 7009 token revocation. */
export const revocationFeature = defineFeature({
  name: "revocation",
  build: (services) => ({
    routes: revocationRoutes,
    revocation: [accessTokenRevocation(services), refreshTokenRevocation(services)],
    corsPaths: [REVOCATION_PATH],
    metadata: (registry) => ({
      revocation_endpoint: `${services.config.issuer}${REVOCATION_PATH}`,
      revocation_endpoint_auth_methods_supported: registry.clientAuth.names(),
    }),
  }),
});
