import { z } from "zod";
import { defineFeature } from "../contract.js";
import { ASSERTION_SIGNING_ALGS } from "./assertion.js";
import { privateKeyJwtMethod } from "./method.js";

/**
 * `private_key_jwt` client authentication (RFC 7523, OIDC Core 9) at every endpoint
 * that authenticates clients (they all use `registry.clientAuth`). Only clients
 * registered with `token_endpoint_auth_method` `private_key_jwt` and keys (`jwks` or
 * `jwks_uri`) may use it.
 */
export const privateKeyJwtFeature = defineFeature({
  name: "privateKeyJwt",
  options: z.object({
    /** An assertion's `exp` may be at most this many seconds ahead (default 5 minutes). */
    maxLifetime: z.coerce.number().int().positive().default(300),
    /** Tolerated clock difference with clients, in seconds. */
    leeway: z.coerce.number().int().min(0).max(300).default(30),
  }),
  build: (services, options) => ({
    clientAuthMethods: [privateKeyJwtMethod(services, options)],
    metadata: (registry) => {
      const algs = [...ASSERTION_SIGNING_ALGS];
      return {
        token_endpoint_auth_signing_alg_values_supported: algs,
        ...(registry.features.includes("introspection")
          ? { introspection_endpoint_auth_signing_alg_values_supported: algs }
          : {}),
        ...(registry.features.includes("revocation")
          ? { revocation_endpoint_auth_signing_alg_values_supported: algs }
          : {}),
      };
    },
  }),
});
