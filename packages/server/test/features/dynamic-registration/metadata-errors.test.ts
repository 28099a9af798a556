import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { CALLBACK, clientCount, initialAccessToken, sendJson } from "./helpers.js";

const ok = { redirect_uris: [CALLBACK] };

/** Each invalid field, the error it must get, and the field the description must name. */
const INVALID: [
  string,
  Record<string, unknown>,
  "invalid_redirect_uri" | "invalid_client_metadata",
  string,
][] = [
  [
    "redirect URI with a fragment",
    { redirect_uris: ["https://rp.example.com/cb#x"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  ["relative redirect URI", { redirect_uris: ["/cb"] }, "invalid_redirect_uri", "redirect_uris"],
  [
    "http redirect URI to a non-loopback host",
    { redirect_uris: ["http://rp.example.com/cb"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  [
    "javascript: redirect URI",
    { redirect_uris: ["javascript:alert(1)"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  [
    "data: redirect URI",
    { redirect_uris: ["data:text/html,<script>alert(1)</script>"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  [
    "http redirect URI to example.com",
    { redirect_uris: ["http://example.com/cb"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  [
    "private-use scheme that is not a reverse domain name (no dot)",
    { redirect_uris: ["myapp:/cb"] },
    "invalid_redirect_uri",
    "redirect_uris",
  ],
  ["no redirect URI for the code grant", {}, "invalid_redirect_uri", "redirect_uris"],
  ["redirect_uris not an array", { redirect_uris: CALLBACK }, "invalid_client_metadata", "redirect_uris"],
  [
    "bad post-logout redirect URI",
    { ...ok, post_logout_redirect_uris: ["http://rp.example.com/bye"] },
    "invalid_redirect_uri",
    "post_logout_redirect_uris",
  ],
  ["unsupported grant type", { ...ok, grant_types: ["password"] }, "invalid_client_metadata", "grant_types"],
  ["no grant type", { ...ok, grant_types: [], response_types: [] }, "invalid_client_metadata", "grant_types"],
  [
    "code grant without the code response type",
    { ...ok, grant_types: ["authorization_code"], response_types: [] },
    "invalid_client_metadata",
    "response_types",
  ],
  [
    "code response type without the code grant",
    { ...ok, grant_types: ["client_credentials"], response_types: ["code"] },
    "invalid_client_metadata",
    "response_types",
  ],
  [
    "unsupported response type",
    { ...ok, response_types: ["code", "token"] },
    "invalid_client_metadata",
    "response_types",
  ],
  [
    "unknown auth method",
    { ...ok, token_endpoint_auth_method: "tls_client_auth" },
    "invalid_client_metadata",
    "token_endpoint_auth_method",
  ],
  [
    "public client with client_credentials",
    { ...ok, token_endpoint_auth_method: "none", grant_types: ["authorization_code", "client_credentials"] },
    "invalid_client_metadata",
    "grant_types",
  ],
  [
    "private_key_jwt without keys",
    { ...ok, token_endpoint_auth_method: "private_key_jwt" },
    "invalid_client_metadata",
    "jwks",
  ],
  [
    "jwks and jwks_uri both",
    {
      ...ok,
      jwks: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" }] },
      jwks_uri: "https://rp.example.com/jwks",
    },
    "invalid_client_metadata",
    "jwks",
  ],
  ["jwks that is not a JWK Set", { ...ok, jwks: [{ kty: "EC" }] }, "invalid_client_metadata", "jwks"],
  [
    "jwks holding a private key",
    { ...ok, jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } },
    "invalid_client_metadata",
    "jwks",
  ],
  [
    "jwks_uri over http to a remote host",
    { ...ok, jwks_uri: "http://rp.example.com/jwks" },
    "invalid_client_metadata",
    "jwks_uri",
  ],
  [
    "scope this server does not offer",
    { ...ok, scope: "openid admin:everything" },
    "invalid_client_metadata",
    "scope",
  ],
  ["scope not a string", { ...ok, scope: ["openid"] }, "invalid_client_metadata", "scope"],
  ["empty client_name", { ...ok, client_name: "" }, "invalid_client_metadata", "client_name"],
  ["client_name not a string", { ...ok, client_name: 42 }, "invalid_client_metadata", "client_name"],
  [
    "an acr value this server cannot reach",
    { ...ok, default_acr_values: ["urn:other:gold"] },
    "invalid_client_metadata",
    "default_acr_values",
  ],
  [
    "default_acr_values not a list",
    { ...ok, default_acr_values: "urn:frontdesk:acr:mfa" },
    "invalid_client_metadata",
    "default_acr_values",
  ],
  [
    "unsupported ID token algorithm",
    { ...ok, id_token_signed_response_alg: "HS256" },
    "invalid_client_metadata",
    "id_token_signed_response_alg",
  ],
  [
    "ID token algorithm none",
    { ...ok, id_token_signed_response_alg: "none" },
    "invalid_client_metadata",
    "id_token_signed_response_alg",
  ],
  [
    "require_pushed_authorization_requests not a boolean",
    { ...ok, require_pushed_authorization_requests: "yes" },
    "invalid_client_metadata",
    "require_pushed_authorization_requests",
  ],
  [
    "dpop_bound_access_tokens not a boolean",
    { ...ok, dpop_bound_access_tokens: 1 },
    "invalid_client_metadata",
    "dpop_bound_access_tokens",
  ],
  [
    "backchannel_logout_uri with a fragment",
    { ...ok, backchannel_logout_uri: "https://rp.example.com/bc#x" },
    "invalid_client_metadata",
    "backchannel_logout_uri",
  ],
  [
    "backchannel_logout_uri over http to a remote host",
    { ...ok, backchannel_logout_uri: "http://rp.example.com/bc" },
    "invalid_client_metadata",
    "backchannel_logout_uri",
  ],
  [
    "backchannel_logout_session_required not a boolean",
    { ...ok, backchannel_logout_session_required: "true" },
    "invalid_client_metadata",
    "backchannel_logout_session_required",
  ],
  [
    "logo_uri over http",
    { ...ok, logo_uri: "http://127.0.0.1/logo.png" },
    "invalid_client_metadata",
    "logo_uri",
  ],
  ["client_uri not a URL", { ...ok, client_uri: "rp.example.com" }, "invalid_client_metadata", "client_uri"],
  [
    "policy_uri over http",
    { ...ok, policy_uri: "http://rp.example.com/privacy" },
    "invalid_client_metadata",
    "policy_uri",
  ],
  ["tos_uri javascript:", { ...ok, tos_uri: "javascript:alert(1)" }, "invalid_client_metadata", "tos_uri"],
];

describe("registration metadata is validated: the RFC 7591 error names the field, and no client is created", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ scopes: ["photos:read"] });
    token = await initialAccessToken(server);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it.each(INVALID)("refuses %s", async (_what, body, error, field) => {
    const before = await clientCount(server);
    const { status, json } = await sendJson(server, "POST", "/register", { token, body });
    expect(status).toBe(400);
    expect(json?.error).toBe(error);
    expect(json?.error_description).toContain(field);
    expect(await clientCount(server)).toBe(before);
  });

  it("refuses a body that is not a JSON object, or not JSON, with a 4xx and no client", async () => {
    const before = await clientCount(server);
    for (const rawBody of ["[]", "null", '"x"', "{not json", ""]) {
      const { status, json } = await sendJson(server, "POST", "/register", { token, rawBody });
      expect(status, rawBody).toBe(400);
      expect(["invalid_client_metadata", "invalid_request"], rawBody).toContain(json?.error);
    }
    const form = await fetch(`${server.issuer}/register`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "redirect_uris=https://rp.example.com/cb",
    });
    expect(form.status).toBe(400);
    expect(((await form.json()) as { error: string }).error).toBe("invalid_request");
    const huge = await sendJson(server, "POST", "/register", {
      token,
      body: { ...ok, client_name: "x".repeat(100_000) },
    });
    expect(huge.status).toBe(413);
    expect(await clientCount(server)).toBe(before);
  });

  it("accepts a native app's private-use reverse-domain scheme (RFC 8252 7.1) next to https and loopback http", async () => {
    const { status, json } = await sendJson(server, "POST", "/register", {
      token,
      body: {
        redirect_uris: ["com.example.app:/cb", "https://rp.example.com/cb", "http://[::1]:8080/cb"],
        token_endpoint_auth_method: "none",
      },
    });
    expect(status).toBe(201);
    expect(json?.redirect_uris).toEqual([
      "com.example.app:/cb",
      "https://rp.example.com/cb",
      "http://[::1]:8080/cb",
    ]);
    const stored = await server.ctx.durable.clients.get(String(json?.client_id));
    expect(stored?.redirectUris).toContain("com.example.app:/cb");
  });

  it("accepts the scopes the server offers (OpenID Connect ones and config.scopes), and loopback http URIs", async () => {
    const { status, json } = await sendJson(server, "POST", "/register", {
      token,
      body: {
        ...ok,
        scope: "openid email photos:read",
        jwks_uri: "http://127.0.0.1:9/jwks",
        token_endpoint_auth_method: "private_key_jwt",
        backchannel_logout_uri: "http://localhost:9/backchannel",
      },
    });
    expect(status).toBe(201);
    expect(json?.scope).toBe("openid email photos:read");
  });
});
