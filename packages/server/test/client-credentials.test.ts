import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, postForm } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe("client credentials grant (RFC 6749 4.4) with RFC 9068 tokens", () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const billing = "https://billing.example.com";

  beforeAll(async () => {
    server = await startTestServer({ accessTokenTtl: 300 });
    const issuer = new URL(server.issuer);
    as = await oauth
      .discoveryRequest(issuer, { algorithm: "oauth2", ...insecure })
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    jwks = createRemoteJWKSet(new URL(as.jwks_uri as string));
  });
  afterAll(() => server.close());

  async function verify(token: string, audience = `${server.issuer}/api`) {
    return jwtVerify(token, jwks, { issuer: server.issuer, audience, typ: "at+jwt", algorithms: ["ES256"] });
  }

  it("client_secret_basic: a token whose claims verify with jose against jwks_uri", async () => {
    const { id, secret } = await server.client({ scopes: "read write" });
    const c: oauth.Client = { client_id: id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.ClientSecretBasic(secret),
      new URLSearchParams({ scope: "read" }),
      insecure,
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    const result = await oauth.processClientCredentialsResponse(as, c, response);
    expect(result.expires_in).toBe(300);
    expect(result.scope).toBe("read");
    const { payload, protectedHeader } = await verify(result.access_token);
    expect(protectedHeader).toMatchObject({ typ: "at+jwt", alg: "ES256" });
    expect(typeof protectedHeader.kid).toBe("string");
    expect(payload.iss).toBe(server.issuer);
    expect(payload.sub).toBe(id);
    expect(payload.client_id).toBe(id);
    expect(payload.aud).toBe(`${server.issuer}/api`);
    expect(payload.scope).toBe("read");
    expect(typeof payload.jti).toBe("string");
    expect(String(payload.jti).length).toBeGreaterThanOrEqual(16);
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(Number(payload.iat) - now)).toBeLessThanOrEqual(5);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
  });

  it("client_secret_post works too, and omitting scope grants every registered scope", async () => {
    const { id, secret } = await server.client({ scopes: "read write" });
    const c: oauth.Client = { client_id: id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.ClientSecretPost(secret),
      new URLSearchParams(),
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, c, response);
    expect(result.scope).toBe("read write");
    const { payload } = await verify(result.access_token);
    expect(payload).toMatchObject({ sub: id, client_id: id, scope: "read write" });
  });

  it("each token gets its own jti", async () => {
    const { id, secret } = await server.client();
    const get = async () => {
      const res = await postForm(
        server,
        "/token",
        { grant_type: "client_credentials" },
        { authorization: basic(id, secret) },
      );
      return decodeJwt(String(res.json?.access_token)).jti;
    };
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).not.toBe(b);
  });

  it("works with openid-client v6 (discovery + clientCredentialsGrant)", async () => {
    const { id, secret } = await server.client({ scopes: "read" });
    const config = await client.discovery(
      new URL(server.issuer),
      id,
      secret,
      client.ClientSecretBasic(secret),
      {
        execute: [client.allowInsecureRequests],
        algorithm: "oauth2",
      },
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: "read" });
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    const { payload } = await verify(tokens.access_token);
    expect(payload.client_id).toBe(id);
  });

  describe("resource indicators (RFC 8707)", () => {
    let rs: TestServer;
    beforeAll(async () => {
      rs = await startTestServer({ resources: ["https://api.example.com", billing] });
    });
    afterAll(() => rs.close());

    it("resource picks the token's aud among the configured resources", async () => {
      const { id, secret } = await rs.client();
      const res = await postForm(
        rs,
        "/token",
        { grant_type: "client_credentials", resource: billing },
        { authorization: basic(id, secret) },
      );
      expect(res.status).toBe(200);
      const rsJwks = createRemoteJWKSet(new URL(`${rs.issuer}/jwks`));
      const { payload } = await jwtVerify(String(res.json?.access_token), rsJwks, {
        issuer: rs.issuer,
        audience: billing,
        typ: "at+jwt",
      });
      expect(payload.aud).toBe(billing);
    });

    it("without resource, aud is the first configured resource", async () => {
      const { id, secret } = await rs.client();
      const res = await postForm(
        rs,
        "/token",
        { grant_type: "client_credentials" },
        { authorization: basic(id, secret) },
      );
      expect(decodeJwt(String(res.json?.access_token)).aud).toBe("https://api.example.com");
    });

    it.each([
      ["an unknown resource", "https://evil.example.com"],
      ["a relative URI", "/api"],
      ["a URI with a fragment", `${billing}#x`],
    ])("%s is invalid_target", async (_what, resource) => {
      const { id, secret } = await rs.client();
      const res = await postForm(
        rs,
        "/token",
        { grant_type: "client_credentials", resource },
        { authorization: basic(id, secret) },
      );
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe("invalid_target");
      expect(res.json?.access_token).toBeUndefined();
    });
  });
});
