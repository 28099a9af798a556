import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { postForm } from "../../helpers/http.js";
import { completeAuthorization, REDIRECT } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { answerAtDevicePage, DEVICE_GRANT } from "../device-flow/device-helpers.js";
import { assertionForm, type ClientKey, clientKey, jwksServer, keyClient, signAssertion } from "./keys.js";

/** openid-client configured for one client authenticating with `PrivateKeyJwt(key)`. */
function relyingParty(server: TestServer, clientId: string, key: ClientKey): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(server.issuer),
    clientId,
    { token_endpoint_auth_method: "private_key_jwt" },
    oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
    { execute: [oidc.allowInsecureRequests] },
  );
}

describe("private_key_jwt with openid-client (RFC 7523, OIDC Core 9)", () => {
  let server: TestServer;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  beforeAll(async () => {
    // interval 1: openid-client waits the interval before each device-flow poll.
    server = await startTestServer({ features: { deviceFlow: { interval: 1 } } });
    jwks = await jwksServer();
  });
  afterAll(async () => {
    await jwks.close();
    await server.close();
  });
  failOnErrorLogs(() => server);

  it("advertises the method and its signing algorithms at every client-authenticating endpoint", async () => {
    const m = (await relyingParty(server, "anyone", await clientKey())).serverMetadata();
    expect(m.token_endpoint_auth_methods_supported).toContain("private_key_jwt");
    expect(m.introspection_endpoint_auth_methods_supported).toContain("private_key_jwt");
    expect(m.revocation_endpoint_auth_methods_supported).toContain("private_key_jwt");
    for (const field of [
      "token_endpoint_auth_signing_alg_values_supported",
      "introspection_endpoint_auth_signing_alg_values_supported",
      "revocation_endpoint_auth_signing_alg_values_supported",
    ]) {
      expect(m[field], field).toEqual(expect.arrayContaining(["RS256", "PS256", "ES256", "EdDSA"]));
      expect(m[field], field).not.toContain("none");
      expect(
        (m[field] as string[]).some((alg) => alg.startsWith("HS")),
        field,
      ).toBe(false);
    }
  });

  for (const alg of ["ES256", "RS256", "PS256", "Ed25519"]) {
    it(`client_credentials with a ${alg} key registered by value`, async () => {
      const key = await clientKey(alg);
      const id = await keyClient(server, { jwks: { keys: [key.jwk] } });
      const config = await relyingParty(server, id, key);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: "read" });
      expect(tokens.access_token).toBeTypeOf("string");
      expect(tokens.scope).toBe("read");
    });
  }

  it("introspection and revocation authenticate the client with its assertion", async () => {
    const key = await clientKey("ES256");
    const id = await keyClient(server, { jwks: { keys: [key.jwk] } });
    const config = await relyingParty(server, id, key);
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: "read write" });
    const active = await oidc.tokenIntrospection(config, access_token);
    expect(active).toMatchObject({ active: true, client_id: id, scope: "read write" });
    await oidc.tokenRevocation(config, access_token);
    expect((await oidc.tokenIntrospection(config, access_token)).active).toBe(false);
  });

  it("keys from a jwks_uri, and a key rotated in at the jwks_uri is picked up", async () => {
    const first = await clientKey("ES256");
    const second = await clientKey("RS256");
    jwks.serve([first.jwk]);
    const id = await keyClient(server, { jwksUri: jwks.uri });
    const tokens = await oidc.clientCredentialsGrant(await relyingParty(server, id, first));
    expect(tokens.access_token).toBeTypeOf("string");
    // The client rotates: its new key (an unknown kid) makes the server fetch the set again.
    jwks.serve([second.jwk]);
    const rotated = await oidc.clientCredentialsGrant(await relyingParty(server, id, second));
    expect(rotated.access_token).toBeTypeOf("string");
  });

  it("accepts the token endpoint URL and the called endpoint's URL as audience", async () => {
    const key = await clientKey("ES256");
    const id = await keyClient(server, { jwks: { keys: [key.jwk] } });
    const tokenAud = await signAssertion(server, id, key, { claims: { aud: `${server.issuer}/token` } });
    const token = await postForm(
      server,
      "/token",
      assertionForm(tokenAud, { grant_type: "client_credentials" }),
    );
    expect(token.status).toBe(200);
    const introspectAud = await signAssertion(server, id, key, {
      claims: { aud: `${server.issuer}/introspect` },
    });
    const introspection = await postForm(
      server,
      "/introspect",
      assertionForm(introspectAud, { token: String(token.json?.access_token) }),
    );
    expect(introspection.status).toBe(200);
    expect(introspection.json?.active).toBe(true);
  });

  it("refuses an assertion replayed at another instance (the jti cache is in the fast store)", async () => {
    const key = await clientKey("ES256");
    const id = await keyClient(server, { jwks: { keys: [key.jwk] } });
    const assertion = await signAssertion(server, id, key);
    const form = assertionForm(assertion, { grant_type: "client_credentials" });
    // Behind the round-robin balancer (distributed run) these two land on different instances.
    const first = await postForm(server, "/token", form);
    const replayed = await postForm(server, "/token", form);
    expect(first.status).toBe(200);
    expect(replayed.status).toBe(401);
    expect(replayed.json).toMatchObject({ error: "invalid_client" });
    expect(replayed.json).not.toHaveProperty("access_token");
  });

  /** A client of the browser or device flow authenticating with a key registered by value. */
  async function flowClient(grantTypes: string[], key: ClientKey) {
    const { id } = await server.client({
      name: "Key Holder",
      tokenEndpointAuthMethod: "private_key_jwt",
      grantTypes,
      redirectUris: grantTypes.includes("authorization_code") ? [REDIRECT] : [],
      scopes: "openid profile",
      metadata: { jwks: { keys: [key.jwk] } },
    });
    return id;
  }

  it("pushed authorization requests: openid-client authenticates at /par with its assertion, then signs in", async () => {
    const key = await clientKey("ES256");
    const id = await flowClient(["authorization_code"], key);
    const config = await relyingParty(server, id, key);
    const person = await makeUser(server.ctx);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT,
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    expect(url.searchParams.get("request_uri")).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const browser = new FormBrowser(server.issuer);
    const { callback } = await completeAuthorization(browser, await browser.follow(url.toString()), person);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()).toMatchObject({ sub: person.user.id, aud: id });

    // Another key's assertion is refused at /par: nothing is pushed.
    const stranger = await relyingParty(server, id, await clientKey("ES256", key.kid));
    const refused = await oidc
      .buildAuthorizationUrlWithPAR(stranger, { redirect_uri: REDIRECT, scope: "openid", state, nonce })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect(refused).toMatchObject({ error: "invalid_client", status: 401 });
  });

  it("device authorization: openid-client authenticates at /device_authorization and at each poll", async () => {
    const key = await clientKey("RS256");
    const id = await flowClient([DEVICE_GRANT], key);
    const config = await relyingParty(server, id, key);
    const person = await makeUser(server.ctx);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
    const polling = oidc.pollDeviceAuthorizationGrant(config, device);
    await answerAtDevicePage(server.issuer, person, device.user_code);
    const tokens = await polling;
    expect(tokens.claims()).toMatchObject({ sub: person.user.id, aud: id });

    const stranger = await relyingParty(server, id, await clientKey("RS256", key.kid));
    const refused = await oidc
      .initiateDeviceAuthorization(stranger, { scope: "openid" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect(refused).toMatchObject({ error: "invalid_client", status: 401 });
  });
});
