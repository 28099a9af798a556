import { defineFeature } from "../contract.js";
import { INTROSPECTION_PATH, introspectionRoutes } from "./routes.js";
import { accessTokenIntrospection, refreshTokenIntrospection } from "./token-types.js";

/** RFC 7662 token introspection. */
export const introspectionFeature = defineFeature({
  name: "introspection",
  build: (services) => ({
    routes: introspectionRoutes,
    introspection: [accessTokenIntrospection(services), refreshTokenIntrospection(services)],
    metadata: (registry) => ({
      introspection_endpoint: `${services.config.issuer}${INTROSPECTION_PATH}`,
      introspection_endpoint_auth_methods_supported: registry.clientAuth.names({ confidentialOnly: true }),
    }),
  }),
});
