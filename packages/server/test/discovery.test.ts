import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe("discovery (RFC 8414, OpenID Connect Discovery)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ scopes: ["reports:read"] });
  });
  afterAll(() => server.close());

  it("serves the same metadata at both well-known paths, for the configured issuer (oauth4webapi)", async () => {
    const issuer = new URL(server.issuer);
    const oidc = await oauth
      .discoveryRequest(issuer, { algorithm: "oidc", ...insecure })
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    const oauth2 = await oauth
      .discoveryRequest(issuer, { algorithm: "oauth2", ...insecure })
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    expect(oidc.issuer).toBe(server.issuer);
    expect(oauth2).toEqual(oidc);
  });

  it("lists the RFC 8414 fields this server implements", async () => {
    const { status, headers, json } = await getJson(
      `${server.issuer}/.well-known/oauth-authorization-server`,
    );
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    const m = json as Record<string, unknown>;
    expect(m.issuer).toBe(server.issuer);
    expect(m.token_endpoint).toBe(`${server.issuer}/token`);
    expect(m.jwks_uri).toBe(`${server.issuer}/jwks`);
    expect(m.introspection_endpoint).toBe(`${server.issuer}/introspect`);
    expect(m.revocation_endpoint).toBe(`${server.issuer}/revoke`);
    expect(m.code_challenge_methods_supported).toEqual(["S256"]);
    expect(m.grant_types_supported).toContain("client_credentials");
    expect(m.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(["client_secret_basic", "client_secret_post"]),
    );
    expect(m.introspection_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(["client_secret_basic", "client_secret_post"]),
    );
    expect(m.response_types_supported).toEqual(["code"]);
    expect(m.scopes_supported).toContain("reports:read");
  });

  it("lists the acr values a request may ask for, weakest first (OIDC Discovery 3)", async () => {
    const { json: m } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(m?.acr_values_supported).toEqual([
      "urn:frontdesk:acr:sfa",
      "urn:frontdesk:acr:mfa",
      "urn:frontdesk:acr:phr",
    ]);
    expect(m?.claims_supported).toEqual(expect.arrayContaining(["acr", "amr"]));
  });

  it("lists RS256 among the ID token algorithms, with ES256 and EdDSA (OIDC Discovery 3, Core 15.1)", async () => {
    const { json: m } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(m?.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining(["RS256", "ES256", "EdDSA"]),
    );
    // And the JWKS holds a key for each, so a client can verify whichever it registered.
    const jwks = await getJson(String(m?.jwks_uri));
    const algs = ((jwks.json?.keys ?? []) as { alg: string }[]).map((k) => k.alg);
    expect(algs).toEqual(expect.arrayContaining(["RS256", "ES256", "EdDSA"]));
  });

  it("publishes endpoints that answer at the advertised URLs", async () => {
    const { json: m } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    const jwks = await getJson(String(m?.jwks_uri));
    expect(jwks.status).toBe(200);
    expect(Array.isArray(jwks.json?.keys)).toBe(true);
    for (const key of ["token_endpoint", "introspection_endpoint", "revocation_endpoint"]) {
      const res = await fetch(String(m?.[key]), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "",
      });
      // Reachable (not 404): the endpoint itself answers with an OAuth error for an empty request.
      expect([400, 401]).toContain(res.status);
    }
  });

  it("advertises a configured https issuer unchanged (no trailing slash)", async () => {
    const other = await startTestServer({ issuer: "https://auth.example.com/" });
    try {
      const res = await fetch(`${other.url}/.well-known/openid-configuration`);
      const m = (await res.json()) as Record<string, unknown>;
      expect(m.issuer).toBe("https://auth.example.com");
      expect(m.token_endpoint).toBe("https://auth.example.com/token");
    } finally {
      await other.close();
    }
  });
});
