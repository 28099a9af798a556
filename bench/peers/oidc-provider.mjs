// Peer: oidc-provider configured like Frontdesk for the benchmarked endpoints.
// - client_credentials with RFC 8707 resource indicators; the default resource gets
//   JWT access tokens signed ES256 (RFC 9068), like Frontdesk's.
// - a second resource gets opaque access tokens: oidc-provider refuses to introspect
//   structured (JWT) tokens, so the introspection scenario uses those.
// - introspection enabled; the in-memory adapter (oidc-provider's default).
// Environment: PORT, BENCH_JWK (private ES256 JWK, JSON), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET.
import http from "node:http";
import Provider, { errors } from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
export const JWT_RESOURCE = `${issuer}/api`;
export const OPAQUE_RESOURCE = `${issuer}/opaque-api`;
const SCOPE = "api:read";

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.BENCH_CLIENT_ID,
      client_secret: process.env.BENCH_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
      scope: SCOPE,
    },
  ],
  jwks: { keys: [JSON.parse(process.env.BENCH_JWK)] },
  clientDefaults: { id_token_signed_response_alg: "ES256" },
  cookies: { keys: ["bench-cookie-key-0123456789abcdef"] },
  scopes: ["openid", SCOPE],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    dPoP: { enabled: true }, // its default, named: the dpop-token scenario relies on it
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => JWT_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== JWT_RESOURCE && resource !== OPAQUE_RESOURCE) throw new errors.InvalidTarget();
        return resource === JWT_RESOURCE
          ? {
              scope: SCOPE,
              audience: resource,
              accessTokenTTL: 600,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "ES256" } },
            }
          : { scope: SCOPE, audience: resource, accessTokenTTL: 600, accessTokenFormat: "opaque" };
      },
    },
  },
});

const server = http.createServer(provider.callback());
server.listen(port, "127.0.0.1");
const close = () => server.close(() => process.exit(0));
process.once("SIGTERM", close);
process.once("SIGINT", close);
