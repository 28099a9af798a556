import { defineFeature } from "../contract.js";
import { AUTHORIZATION_PATH, authorizeRoutes } from "./authorize.js";
import { authorizationCodeGrant } from "./grant.js";
import { authorizationKind } from "./interaction-kind.js";

/** The authorization code flow with PKCE (RFC 6749 4.1, RFC 7636): `/authorize` and its grant. */
export const authorizationCodeFeature = defineFeature({
  name: "authorizationCode",
  build: (services) => ({
    routes: authorizeRoutes(services),
    grants: { authorization_code: authorizationCodeGrant(services) },
    interactionKinds: [authorizationKind(services)],
    metadata: () => ({
      authorization_endpoint: `${services.config.issuer}${AUTHORIZATION_PATH}`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: ["none", "login", "consent"],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    }),
  }),
});
