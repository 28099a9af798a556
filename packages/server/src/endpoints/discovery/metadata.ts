import type { Config } from "../../config/schema.js";

/** RFC 8414 / OpenID Connect Discovery metadata. The paths here are the routes' paths. */
export const paths = {
  authorization: "/authorize",
  token: "/token",
  jwks: "/jwks",
  userinfo: "/userinfo",
  introspection: "/introspect",
  revocation: "/revoke",
  endSession: "/logout",
  revocationFeed: "/revocations",
} as const;

export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

export function metadata(config: Config): Record<string, unknown> {
  const url = (path: string) => `${config.issuer}${path}`;
  const authMethods = ["client_secret_basic", "client_secret_post"];
  return {
    issuer: config.issuer,
    authorization_endpoint: url(paths.authorization),
    token_endpoint: url(paths.token),
    jwks_uri: url(paths.jwks),
    userinfo_endpoint: url(paths.userinfo),
    introspection_endpoint: url(paths.introspection),
    revocation_endpoint: url(paths.revocation),
    end_session_endpoint: url(paths.endSession),
    scopes_supported: [...OIDC_SCOPES, ...config.scopes],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    token_endpoint_auth_methods_supported: [...authMethods, "none"],
    introspection_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: [...authMethods, "none"],
    code_challenge_methods_supported: ["S256"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [config.signingAlg],
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
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ["none", "login", "consent"],
  };
}
