import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { getJson } from "../../helpers/http.js";
import {
  completeAuthorization,
  REDIRECT,
  type RelyingParty,
  relyingParty,
  type TestUser,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { authorizationParams } from "../pushed-authorization-requests/helpers.js";
import { jwksServer, openAuthorize, signingKey } from "./helpers.js";

/** Sends the browser through sign-in and consent from an authorization URL; returns the tokens. */
async function signInWith(
  server: TestServer,
  rp: RelyingParty,
  person: TestUser,
  url: URL,
  expected: { verifier: string; state: string; nonce: string },
) {
  const browser = new FormBrowser(server.issuer);
  const start = await browser.follow(url.toString());
  const { callback } = await completeAuthorization(browser, start, person);
  return oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: expected.verifier,
    expectedState: expected.state,
    expectedNonce: expected.nonce,
    idTokenExpected: true,
  });
}

describe("signed request objects (RFC 9101) with openid-client", () => {
  let server: TestServer;
  let person: TestUser;
  let key: Awaited<ReturnType<typeof signingKey>>;
  let byValue: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer();
    person = await makeUser(server.ctx);
    key = await signingKey("ES256");
    byValue = await relyingParty(server, { name: "Signed App", metadata: { jwks: { keys: [key.jwk] } } });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("is advertised: the request parameter, the algorithms, and no foreign request_uri", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json?.request_parameter_supported).toBe(true);
    expect(json?.request_uri_parameter_supported).toBe(false);
    expect(json?.request_object_signing_alg_values_supported).toEqual(["RS256", "PS256", "ES256", "EdDSA"]);
  });

  it("signs in with a request object signed by a key registered by value", async () => {
    const { verifier, params } = await authorizationParams();
    const url = await oidc.buildAuthorizationUrlWithJAR(byValue.config, params, {
      key: key.privateKey,
      kid: key.kid,
    });
    expect([...url.searchParams.keys()].sort()).toEqual(["client_id", "request"]);
    const tokens = await signInWith(server, byValue, person, url, { verifier, ...params });
    expect(tokens.claims()?.sub).toBe(person.user.id);
  });

  it("signs in with a key published at a jwks_uri (a local HTTP server)", async () => {
    const rsa = await signingKey("RS256");
    const published = await jwksServer([rsa.jwk]);
    try {
      const rp = await relyingParty(server, { name: "Remote Keys", metadata: { jwksUri: published.url } });
      const { verifier, params } = await authorizationParams();
      const url = await oidc.buildAuthorizationUrlWithJAR(rp.config, params, {
        key: rsa.privateKey,
        kid: rsa.kid,
      });
      const tokens = await signInWith(server, rp, person, url, { verifier, ...params });
      expect(tokens.claims()?.sub).toBe(person.user.id);
      expect(published.hits()).toBeGreaterThan(0);
    } finally {
      await published.close();
    }
  });

  it("pushes a request object (JAR inside PAR)", async () => {
    const { verifier, params } = await authorizationParams();
    const jar = await oidc.buildAuthorizationUrlWithJAR(byValue.config, params, {
      key: key.privateKey,
      kid: key.kid,
    });
    const url = await oidc.buildAuthorizationUrlWithPAR(byValue.config, jar.searchParams);
    expect([...url.searchParams.keys()].sort()).toEqual(["client_id", "request_uri"]);
    const tokens = await signInWith(server, byValue, person, url, { verifier, ...params });
    expect(tokens.claims()?.sub).toBe(person.user.id);
  });

  it("uses only the request object's parameters: the query's are ignored (RFC 9101 6.3)", async () => {
    const { params } = await authorizationParams({ state: "inner" });
    const jar = await oidc.buildAuthorizationUrlWithJAR(byValue.config, params, {
      key: key.privateKey,
      kid: key.kid,
    });
    const opened = await openAuthorize(server, {
      ...Object.fromEntries(jar.searchParams),
      redirect_uri: "http://127.0.0.1:9/not-registered",
      response_type: "token",
      state: "outer",
    });
    expect(opened.status).toBe(303);
    expect(opened.location).toMatch(/^\/login\?request=/);
  });

  it("a client_id outside that is not the signer's is refused", async () => {
    const { params } = await authorizationParams();
    const jar = await oidc.buildAuthorizationUrlWithJAR(byValue.config, params, {
      key: key.privateKey,
      kid: key.kid,
    });
    const other = await relyingParty(server, { name: "Other", metadata: { jwks: { keys: [key.jwk] } } });
    const opened = await openAuthorize(server, {
      client_id: other.id,
      request: String(jar.searchParams.get("request")),
    });
    expect(opened.status).toBe(400);
    expect(opened.alert).toContain("invalid_request_object");
  });

  it("a request_uri from elsewhere is never fetched: request_uri_not_supported", async () => {
    const opened = await openAuthorize(server, {
      client_id: byValue.id,
      redirect_uri: REDIRECT,
      request_uri: "https://client.example/request.jwt",
      prompt: "none",
    });
    expect(new URL(String(opened.location)).searchParams.get("error")).toBe("request_uri_not_supported");
  });
});

describe("request objects switched off", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let key: Awaited<ReturnType<typeof signingKey>>;
  beforeAll(async () => {
    server = await startTestServer({ features: { requestObjects: { enabled: false } } });
    key = await signingKey("ES256");
    rp = await relyingParty(server, { metadata: { jwks: { keys: [key.jwk] } } });
  });
  afterAll(() => server.close());

  it("refuses request with request_not_supported (at /authorize and /par) and is absent from discovery", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json?.request_parameter_supported).toBe(false);
    expect(json).not.toHaveProperty("request_object_signing_alg_values_supported");
    const { params } = await authorizationParams();
    const jar = await oidc.buildAuthorizationUrlWithJAR(rp.config, params, {
      key: key.privateKey,
      kid: key.kid,
    });
    const request = String(jar.searchParams.get("request"));
    const opened = await openAuthorize(server, {
      client_id: rp.id,
      redirect_uri: REDIRECT,
      request,
      state: "s",
      prompt: "none",
    });
    const location = new URL(String(opened.location));
    expect(location.searchParams.get("error")).toBe("request_not_supported");
    expect(location.searchParams.get("state")).toBe("s");
    await expect(oidc.buildAuthorizationUrlWithPAR(rp.config, jar.searchParams)).rejects.toMatchObject({
      error: "request_not_supported",
    });
  });
});
