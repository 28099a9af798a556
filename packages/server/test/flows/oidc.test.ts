import { createHash } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import {
  codeFlow,
  decodePayload,
  REDIRECT,
  type RelyingParty,
  relyingParty,
  sleep,
  type TestUser,
} from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

async function userinfo(server: TestServer, token?: string) {
  const response = await fetch(`${server.issuer}/userinfo`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe("OpenID Connect", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    alice = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("the ID token carries sub, aud, nonce, auth_time, amr, sid and a correct at_hash", async () => {
    const browser = new FormBrowser(server.issuer);
    const before = Math.floor(Date.now() / 1000);
    const { tokens, start } = await codeFlow(rp, browser, alice);
    const idToken = tokens.id_token as string;
    const { payload, protectedHeader } = await jwtVerify(
      idToken,
      createRemoteJWKSet(new URL(`${server.issuer}/jwks`)),
      { issuer: server.issuer, audience: rp.id, algorithms: ["RS256"] },
    );
    // OIDC Registration 2: RS256 unless the client registered another algorithm.
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe(alice.user.id);
    expect(payload.aud).toBe(rp.id);
    expect(payload.nonce).toBe(start.nonce);
    expect(payload.auth_time).toBeGreaterThanOrEqual(before);
    expect(payload.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(payload.amr).toEqual(["pwd"]);
    // A password alone is one factor (acr_values_supported in discovery lists the three levels).
    expect(payload.acr).toBe("urn:frontdesk:acr:sfa");
    const sessions = await server.ctx.sessions.listForUser(alice.user.id);
    expect(sessions.map((s) => s.session.sid)).toContain(payload.sid);
    // at_hash: left half of SHA-256 of the access token, base64url (OIDC Core 3.1.3.6).
    const digest = createHash("sha256").update(tokens.access_token).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString("base64url"));
    // The access token carries the same sid and auth_time.
    const access = decodePayload(tokens.access_token);
    expect(access.sid).toBe(payload.sid);
    expect(access.auth_time).toBe(payload.auth_time);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe("at+jwt");
  });

  it.each([
    [undefined, "RS256"],
    ["ES256", "ES256"],
    ["EdDSA", "EdDSA"],
  ] as const)(
    "a client registered with id_token_signed_response_alg %s gets %s ID tokens, verified against the JWKS; access tokens keep ES256",
    async (registered, expected) => {
      const client = await server.client({
        name: "Alg Client",
        grantTypes: ["authorization_code"],
        redirectUris: [REDIRECT],
        scopes: "openid profile",
        ...(registered ? { metadata: { idTokenSignedResponseAlg: registered } } : {}),
      });
      // openid-client checks the header alg against what the client registered (RS256 when nothing is).
      const config = await oidc.discovery(
        new URL(server.issuer),
        client.id,
        { client_secret: client.secret, ...(registered ? { id_token_signed_response_alg: registered } : {}) },
        undefined,
        { execute: [oidc.allowInsecureRequests] },
      );
      const { tokens } = await codeFlow(
        { ...client, redirectUri: REDIRECT, config },
        new FormBrowser(server.issuer),
        alice,
        { scope: "openid profile" },
      );
      const idToken = tokens.id_token as string;
      const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: JWK[] };
      const { protectedHeader, payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
        issuer: server.issuer,
        audience: client.id,
        algorithms: [expected],
      });
      expect(protectedHeader.alg).toBe(expected);
      expect(jwks.keys.find((k) => k.kid === protectedHeader.kid)?.alg).toBe(expected);
      expect(payload.sub).toBe(alice.user.id);
      expect(decodeProtectedHeader(tokens.access_token).alg).toBe("ES256");
    },
  );

  it("userinfo releases claims by scope", async () => {
    const browser = new FormBrowser(server.issuer);
    const all = await codeFlow(rp, browser, alice, { scope: "openid profile email" });
    const sub = alice.user.id;
    expect(await oidc.fetchUserInfo(rp.config, all.tokens.access_token, sub)).toMatchObject({
      sub,
      preferred_username: alice.username,
      email: `${alice.username}@example.test`,
    });
    const profile = await oidc.fetchUserInfo(
      rp.config,
      (await codeFlow(rp, browser, alice, { scope: "openid profile" })).tokens.access_token,
      sub,
    );
    expect(profile.preferred_username).toBe(alice.username);
    expect(profile.email).toBeUndefined();
    const email = await oidc.fetchUserInfo(
      rp.config,
      (await codeFlow(rp, browser, alice, { scope: "openid email" })).tokens.access_token,
      sub,
    );
    expect(email.email).toBe(`${alice.username}@example.test`);
    expect(email.preferred_username).toBeUndefined();
    const bare = await oidc.fetchUserInfo(
      rp.config,
      (await codeFlow(rp, browser, alice, { scope: "openid" })).tokens.access_token,
      sub,
    );
    expect(Object.keys(bare)).toEqual(["sub"]);
  });

  it("userinfo without a token: 401 with a Bearer challenge", async () => {
    const answer = await userinfo(server);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer\b/);
  });

  it("userinfo with a malformed Authorization header: 400 invalid_request with a Bearer challenge", async () => {
    for (const authorization of ["Bearer", "Bearer a b", "Basic abc", "Bearer \u00e9"]) {
      const response = await fetch(`${server.issuer}/userinfo`, { headers: { authorization } }).catch(
        () => undefined,
      );
      if (!response) continue; // not expressible as a header value
      expect(response.status).toBe(400);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_request"/);
    }
  });

  it("userinfo with a forged token: 401 invalid_token", async () => {
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), alice);
    const claims = decodePayload(tokens.access_token);
    const header = decodeProtectedHeader(tokens.access_token);
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: header.kid as string })
      .sign(privateKey);
    const answer = await userinfo(server, forged);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer .*error="invalid_token"/);
    // Embedding the attacker's key in the header does not help either.
    const { publicKey, privateKey: key2 } = await generateKeyPair("ES256", { extractable: true });
    const withJwk = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", jwk: await exportJWK(publicKey) })
      .sign(key2);
    expect((await userinfo(server, withJwk)).status).toBe(401);
    // Control: the genuine token works.
    expect((await userinfo(server, tokens.access_token)).status).toBe(200);
  });

  it("userinfo with a revoked token: 401 invalid_token", async () => {
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), alice);
    expect((await userinfo(server, tokens.access_token)).status).toBe(200);
    await oidc.tokenRevocation(rp.config, tokens.access_token);
    const answer = await userinfo(server, tokens.access_token);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/error="invalid_token"/);
  });

  it("userinfo with a token without openid: 403 insufficient_scope", async () => {
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), alice, { scope: "photos:read" });
    const answer = await userinfo(server, tokens.access_token);
    expect(answer.status).toBe(403);
    expect(answer.challenge).toMatch(/error="insufficient_scope"/);
    expect(answer.body.error).toBe("insufficient_scope");
  });
});

describe("OpenID Connect with short access tokens", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ accessTokenTtl: 1 });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("userinfo with an expired token: 401 invalid_token", async () => {
    const rp = await relyingParty(server);
    const person = await makeUser(server.ctx);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), person);
    await sleep(2100);
    const answer = await userinfo(server, tokens.access_token);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer .*error="invalid_token"/);
  });
});
