import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("client credentials end to end (oauth4webapi)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("issues an RFC 9068 token that verifies against the published JWKS", async () => {
    const issuer = new URL(server.issuer);
    const as = await oauth
      .discoveryRequest(issuer, { algorithm: "oauth2", [oauth.allowInsecureRequests]: true })
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    const { id, secret } = await server.client();
    const client: oauth.Client = { client_id: id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      new URLSearchParams({ scope: "read" }),
      { [oauth.allowInsecureRequests]: true },
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.token_type).toBe("bearer");
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(result.access_token, jwks, {
      issuer: server.issuer,
      audience: `${server.issuer}/api`,
      typ: "at+jwt",
      algorithms: ["ES256"],
    });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ sub: id, client_id: id, scope: "read" });
    expect(typeof payload.jti).toBe("string");
    expect(Number(payload.exp) - Number(payload.iat)).toBe(600);
  });
});
