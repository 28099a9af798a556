import { randomUUID } from "node:crypto";
import { type CryptoKey, exportSPKI, importJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, type HttpAnswer, postForm } from "../../helpers/http.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import {
  type AssertionOptions,
  assertionForm,
  type ClientKey,
  clientKey,
  hmacJwt,
  keyClient,
  signAssertion,
} from "./keys.js";

const CLIENT_CREDENTIALS = { grant_type: "client_credentials" };

function expectRefused(answer: HttpAnswer, what: string): void {
  expect(answer.status, what).toBe(401);
  expect(answer.json?.error, what).toBe("invalid_client");
  expect(answer.json, what).not.toHaveProperty("access_token");
}

describe("private_key_jwt refusals: every one invalid_client, nothing issued or consumed", () => {
  let server: TestServer;
  let key: ClientKey;
  let stranger: ClientKey;
  let id: string;
  let otherId: string;
  beforeAll(async () => {
    server = await startTestServer();
    key = await clientKey("ES256");
    stranger = await clientKey("ES256");
    id = await keyClient(server, { jwks: { keys: [key.jwk] } });
    otherId = await keyClient(server, { jwks: { keys: [stranger.jwk] } });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const now = () => Math.floor(Date.now() / 1000);
  const signed = (jti: string, options: AssertionOptions = {}) =>
    signAssertion(server, id, key, { ...options, claims: { jti, ...options.claims } });

  /** Each refused assertion, built with a given jti (so the test can show the jti was not used up). */
  const cases: Record<string, (jti: string) => Promise<string>> = {
    "iss is another client": (jti) => signed(jti, { claims: { iss: otherId } }),
    "sub is another client": (jti) => signed(jti, { claims: { sub: otherId } }),
    "aud is another server": (jti) => signed(jti, { claims: { aud: "https://other.example" } }),
    "aud names another server besides this one": (jti) =>
      signed(jti, { claims: { aud: [server.issuer, "https://other.example"] } }),
    "aud is another endpoint of this server": (jti) =>
      signed(jti, { claims: { aud: `${server.issuer}/userinfo` } }),
    "exp is missing": (jti) => signed(jti, { omit: ["exp"] }),
    "exp is an hour ahead": (jti) => signed(jti, { claims: { exp: now() + 3600 } }),
    "the assertion expired": (jti) => signed(jti, { claims: { iat: now() - 600, exp: now() - 120 } }),
    "iat is in the future": (jti) => signed(jti, { claims: { iat: now() + 120, exp: now() + 180 } }),
    "jti is missing": async () => signed("", { omit: ["jti"] }),
    "typ is another kind of JWT": (jti) => signed(jti, { header: { typ: "at+jwt" } }),
    "signed by a key the client did not register (unknown kid)": (jti) =>
      signAssertion(server, id, stranger, { claims: { jti } }),
    "signed by another key under the registered kid": (jti) =>
      signAssertion(server, id, { ...stranger, kid: key.kid }, { claims: { jti } }),
    "alg none": async (jti) => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      return `${part({ alg: "none" })}.${part({ iss: id, sub: id, aud: server.issuer, exp: now() + 60, jti })}.`;
    },
    "HS256 keyed with the registered public key (algorithm confusion)": async (jti) => {
      const pem = await exportSPKI((await importJWK(key.jwk, "ES256")) as CryptoKey);
      const claims = { iss: id, sub: id, aud: server.issuer, exp: now() + 60, jti };
      return hmacJwt(Buffer.from(pem), { alg: "HS256", kid: key.kid }, claims);
    },
    "a padded signature": async (jti) => `${await signed(jti)}==`,
    "not a JWT at all": async () => "not-a-jwt",
  };

  it("refuses each with the same invalid_client, and the refusal uses up no jti", async () => {
    const descriptions = new Set<unknown>();
    for (const [what, build] of Object.entries(cases)) {
      const jti = randomUUID();
      const refused = await postForm(server, "/token", assertionForm(await build(jti), CLIENT_CREDENTIALS));
      expectRefused(refused, what);
      descriptions.add(refused.json?.error_description);
      // The same jti in a valid assertion still works: the refusal consumed nothing.
      const valid = await postForm(server, "/token", assertionForm(await signed(jti), CLIENT_CREDENTIALS));
      expect(valid.status, `${what}: then a valid assertion with its jti`).toBe(200);
    }
    // Never a hint of which check failed.
    expect([...descriptions]).toEqual(["client authentication failed"]);
  });

  it("refuses a replayed jti", async () => {
    const jti = randomUUID();
    expect(
      (await postForm(server, "/token", assertionForm(await signed(jti), CLIENT_CREDENTIALS))).status,
    ).toBe(200);
    expectRefused(
      await postForm(server, "/token", assertionForm(await signed(jti), CLIENT_CREDENTIALS)),
      "a second assertion with a used jti",
    );
  });

  it("refuses a wrong client_assertion_type, an empty assertion, and a client_id other than the assertion's", async () => {
    const assertion = await signed(randomUUID());
    const forms: Record<string, Record<string, string>> = {
      "saml assertion type": {
        ...assertionForm(assertion, CLIENT_CREDENTIALS),
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
      },
      "type without assertion": {
        ...CLIENT_CREDENTIALS,
        client_assertion_type: assertionForm("").client_assertion_type as string,
      },
      "client_id of another client": assertionForm(assertion, { ...CLIENT_CREDENTIALS, client_id: otherId }),
      "an oversized assertion": assertionForm(`${assertion}${"A".repeat(9000)}`, CLIENT_CREDENTIALS),
    };
    for (const [what, form] of Object.entries(forms))
      expectRefused(await postForm(server, "/token", form), what);
    // The assertion itself was not used up by those refusals.
    expect((await postForm(server, "/token", assertionForm(assertion, CLIENT_CREDENTIALS))).status).toBe(200);
  });

  it("refuses a secret from a private_key_jwt client, and an assertion from a client registered with a secret", async () => {
    for (const [what, form, headers] of [
      ["client_secret_basic", CLIENT_CREDENTIALS, { authorization: basic(id, "guessed-secret") }],
      ["client_secret_post", { ...CLIENT_CREDENTIALS, client_id: id, client_secret: "guessed-secret" }, {}],
      ["client_id alone", { ...CLIENT_CREDENTIALS, client_id: id }, {}],
    ] as const)
      expectRefused(await postForm(server, "/token", form, headers), what);
    const secretClient = await server.client({ metadata: { jwks: { keys: [{ ...key.jwk }] } } });
    const assertion = await signAssertion(server, secretClient.id, key);
    expectRefused(
      await postForm(server, "/token", assertionForm(assertion, CLIENT_CREDENTIALS)),
      "assertion for a secret client",
    );
  });

  it("refuses a client whose jwks_uri cannot be fetched (invalid_client, not 5xx)", async () => {
    const unreachable = await keyClient(server, { jwksUri: "http://127.0.0.1:9/jwks" });
    const assertion = await signAssertion(server, unreachable, key);
    expectRefused(
      await postForm(server, "/token", assertionForm(assertion, CLIENT_CREDENTIALS)),
      "unreachable jwks_uri",
    );
  });

  it("a refused assertion at revocation revokes nothing; at introspection tells nothing", async () => {
    const token = await postForm(
      server,
      "/token",
      assertionForm(await signed(randomUUID()), CLIENT_CREDENTIALS),
    );
    const accessToken = String(token.json?.access_token);
    const forged = await signAssertion(server, id, stranger);
    expectRefused(await postForm(server, "/revoke", assertionForm(forged, { token: accessToken })), "revoke");
    const expired = await signed(randomUUID(), { claims: { iat: now() - 600, exp: now() - 120 } });
    const refusedIntrospection = await postForm(
      server,
      "/introspect",
      assertionForm(expired, { token: accessToken }),
    );
    expectRefused(refusedIntrospection, "introspect");
    expect(refusedIntrospection.json).not.toHaveProperty("active");
    const still = await postForm(
      server,
      "/introspect",
      assertionForm(await signed(randomUUID()), { token: accessToken }),
    );
    expect(still.json?.active).toBe(true);
  });
});
