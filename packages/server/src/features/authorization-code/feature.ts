import { CODE_CHALLENGE_METHODS } from "../../oauth/pkce.js";
import { PROMPT_VALUES } from "../../oauth/prompt.js";
import { RESPONSE_MODES, RESPONSE_TYPES } from "../../oauth/response-type.js";
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
      // The values the authorization request's steps enforce.
      response_types_supported: [...RESPONSE_TYPES],
      response_modes_supported: [...RESPONSE_MODES],
      code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: [...PROMPT_VALUES],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    }),
  }),
});
