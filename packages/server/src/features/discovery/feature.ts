import type { FastifyPluginAsync } from "fastify";
import { OIDC_SCOPES } from "../../oauth/scopes.js";
import { type CoreServices, defineFeature, type FeatureRouteOptions } from "../contract.js";
import { JWKS_PATH, jwksRoutes } from "./jwks.js";
import { DISCOVERY_PATHS, discoveryRoutes } from "./routes.js";

/** What every deployment states about itself; endpoints and their methods come from their features. */
function baseMetadata({ config, keys }: Pick<CoreServices, "config" | "keys">): Record<string, unknown> {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.issuer}${JWKS_PATH}`,
    scopes_supported: [...OIDC_SCOPES, ...config.scopes],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...keys.algs],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "acr",
      "amr",
      "sid",
      "name",
      "preferred_username",
      "email",
      "email_verified",
    ],
    claims_parameter_supported: false,
  };
}

/** RFC 8414 / OpenID Connect Discovery, and the JWKS. */
export const discoveryFeature = defineFeature({
  name: "discovery",
  required: true,
  build: (services) => {
    const jwks = jwksRoutes(services);
    const routes: FastifyPluginAsync<FeatureRouteOptions> = async (app, options) => {
      await app.register(discoveryRoutes, options);
      await app.register(jwks, options);
    };
    return {
      routes,
      corsPaths: [...DISCOVERY_PATHS, JWKS_PATH],
      metadata: () => baseMetadata(services),
    };
  },
});
