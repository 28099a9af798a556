import { defineFeature } from "../contract.js";
import { TOKEN_PATH, tokenRoutes } from "./routes.js";

/** The token endpoint: grant types and client authentication methods come from the registry. */
export const tokenFeature = defineFeature({
  name: "token",
  required: true,
  build: ({ config }) => ({
    routes: tokenRoutes,
    corsPaths: [TOKEN_PATH],
    metadata: (registry) => ({
      token_endpoint: `${config.issuer}${TOKEN_PATH}`,
      grant_types_supported: [...registry.grants.keys()],
      token_endpoint_auth_methods_supported: registry.clientAuth.names(),
    }),
  }),
});
