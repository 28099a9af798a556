import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeUser } from "../../../src/users/users.js";
import { basic, clientCredentialsToken, type HttpAnswer, jwtHeader, postForm } from "../../helpers/http.js";
import { decodePayload, type RelyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../../helpers/server.js";
import {
  BILLING,
  exchange,
  exchanger,
  exchangeServer,
  isActive,
  ORDERS,
  personToken,
  STOCK,
  TOKEN_EXCHANGE_GRANT,
  webApp,
} from "./helpers.js";

/** The refusal: a 400 with the error code, and no token of any kind. */
function expectRefused(answer: HttpAnswer, error: string): void {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.json?.error, answer.text).toBe(error);
  expect(answer.json).not.toHaveProperty("access_token");
  expect(answer.json).not.toHaveProperty("issued_token_type");
}

/** A token shaped like a Frontdesk access token (the server's `kid` too), signed with another key. */
async function foreignToken(kid: string, claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: ORDERS,
    scope: "orders:read",
    jti: `j-${now}`,
    iat: now,
    exp: now + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
    .sign(privateKey);
}

describe("token exchange refusals: each bad input is its error, and nothing is issued or changed", () => {
  let server: TestServer;
  let app: RelyingParty;
  let service: { id: string; secret: string };
  let subject: Awaited<ReturnType<typeof personToken>>;
  beforeAll(async () => {
    server = await exchangeServer();
    app = await webApp(server);
    service = await exchanger(server, [BILLING]);
    subject = await personToken(server, app);
  });
  afterAll(async () => {
    // No refusal spent or revoked the subject token: it still exchanges.
    expect(await isActive(server, service, subject.token)).toBe(true);
    const answer = await exchange(server, service, { subject_token: subject.token, audience: BILLING });
    expect(answer.status, answer.text).toBe(200);
    await server.close();
  });
  failOnErrorLogs(() => server);

  it("a wider scope than the subject token's -> invalid_scope", async () => {
    for (const scope of ["billing:read", "orders:read billing:read", "orders:read nonsense"])
      expectRefused(
        await exchange(server, service, { subject_token: subject.token, audience: BILLING, scope }),
        "invalid_scope",
      );
  });

  it.each([
    ["an audience that is no configured resource", { audience: "https://evil.example.test" }],
    ["a resource that is no configured resource", { resource: "https://evil.example.test" }],
    ["a configured resource the client may not exchange for", { audience: STOCK }],
    ["the admin API (a machine audience, never exchanged to)", { audience: "ISSUER/admin/api" }],
    ["audience and resource naming different targets", { audience: BILLING, resource: STOCK }],
    ["a name that is not a URI", { audience: "billing" }],
  ])("%s -> invalid_target", async (_what, target) => {
    const form = Object.fromEntries(
      Object.entries(target).map(([k, v]) => [k, v.replace("ISSUER", server.issuer)]),
    );
    expectRefused(
      await exchange(server, service, { subject_token: subject.token, ...form }),
      "invalid_target",
    );
  });

  it("several audiences -> invalid_target", async () => {
    const answer = await postForm(
      server,
      "/token",
      [
        ["grant_type", TOKEN_EXCHANGE_GRANT],
        ["subject_token", subject.token],
        ["subject_token_type", "urn:ietf:params:oauth:token-type:access_token"],
        ["audience", BILLING],
        ["audience", STOCK],
      ],
      { authorization: basic(service.id, service.secret) },
    );
    expectRefused(answer, "invalid_target");
  });

  it("no target, and the client may exchange for several or for none -> invalid_request", async () => {
    const several = await exchanger(server, [BILLING, STOCK]);
    expectRefused(await exchange(server, several, { subject_token: subject.token }), "invalid_request");
    // Registered with the grant but no token_exchange_audiences: exchange is denied until allowed.
    const none = await server.client({ grantTypes: [TOKEN_EXCHANGE_GRANT], scopes: "" });
    const answer = await exchange(server, none, { subject_token: subject.token });
    expectRefused(answer, "invalid_request");
    expect(answer.json?.error_description).toContain("token_exchange_audiences");
    expectRefused(
      await exchange(server, none, { subject_token: subject.token, audience: BILLING }),
      "invalid_target",
    );
  });

  it.each([
    ["no subject_token_type", { subject_token_type: undefined }],
    ["a refresh token type", { subject_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }],
    ["an ID token type", { subject_token_type: "urn:ietf:params:oauth:token-type:id_token" }],
    ["a SAML assertion type", { subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }],
    [
      "requested_token_type refresh_token",
      { requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" },
    ],
    ["requested_token_type jwt", { requested_token_type: "urn:ietf:params:oauth:token-type:jwt" }],
    ["an actor_token without actor_token_type", { actor_token: "x" }],
    [
      "an actor_token_type without actor_token",
      { actor_token_type: "urn:ietf:params:oauth:token-type:access_token" },
    ],
    [
      "an unsupported actor_token_type",
      { actor_token: "x", actor_token_type: "urn:ietf:params:oauth:token-type:id_token" },
    ],
  ])("%s -> invalid_request", async (_what, form) => {
    expectRefused(
      await exchange(server, service, { subject_token: subject.token, audience: BILLING, ...form }),
      "invalid_request",
    );
  });

  it("no subject_token -> invalid_request naming it", async () => {
    const answer = await exchange(server, service, { audience: BILLING });
    expectRefused(answer, "invalid_request");
    expect(answer.json?.error_description).toContain("subject_token");
  });

  it("a client registered without the grant -> unauthorized_client", async () => {
    const machine = await server.client({ grantTypes: ["client_credentials"] });
    expectRefused(
      await exchange(server, machine, { subject_token: subject.token, audience: BILLING }),
      "unauthorized_client",
    );
  });

  describe("subject tokens that are not a live Frontdesk access token of a person -> invalid_grant", () => {
    const refusedSubject = async (token: string) =>
      expectRefused(
        await exchange(server, service, { subject_token: token, audience: BILLING }),
        "invalid_grant",
      );

    it("the person revoked", async () => {
      const revoked = await personToken(server, app);
      await revokeUser(server.ctx, revoked.person.user);
      await refusedSubject(revoked.token);
    });

    it("the session ended (the person signed out)", async () => {
      const signedOut = await personToken(server, app);
      const account = await signedOut.browser.follow("/account");
      await signedOut.browser.submit(await account.response.text(), {}, { action: "/account/sign-out" });
      expect(await server.ctx.revocations.isSessionEnded(signedOut.sid)).toBe(true);
      await refusedSubject(signedOut.token);
    });

    it("the token itself revoked (RFC 7009, by the app it was issued to)", async () => {
      const own = await personToken(server, app);
      const revoked = await postForm(
        server,
        "/revoke",
        { token: own.token },
        { authorization: basic(app.id, app.secret) },
      );
      expect(revoked.status).toBe(200);
      await refusedSubject(own.token);
    });

    it("expired", async () => {
      const expired = await server.ctx.accessTokens.issue({
        sub: subject.person.user.id,
        clientId: app.id,
        audience: ORDERS,
        scopes: ["orders:read"],
        ttl: 600,
        notAfter: Math.floor(Date.now() / 1000) - 5,
      });
      await refusedSubject(expired.token);
    });

    it("signed by another key, or by another issuer, or no JWT at all", async () => {
      const claims = { sub: subject.person.user.id, client_id: app.id };
      const kid = jwtHeader(subject.token).kid as string;
      await refusedSubject(await foreignToken(kid, { ...claims, iss: server.issuer }));
      await refusedSubject(await foreignToken(kid, { ...claims, iss: "https://other.example.test" }));
      const payload = Buffer.from(JSON.stringify({ ...subject.claims, iss: "https://other.example.test" }));
      const [header, , signature] = subject.token.split(".");
      await refusedSubject(`${header}.${payload.toString("base64url")}.${signature}`);
      await refusedSubject("not-a-token");
    });

    it("a machine's token (client_credentials: no person)", async () => {
      await refusedSubject(await clientCredentialsToken(server, service));
    });
  });

  describe("actor tokens that are not the caller's live access token -> invalid_grant", () => {
    const withActor = (actor: string) =>
      exchange(server, service, {
        subject_token: subject.token,
        audience: BILLING,
        actor_token: actor,
        actor_token_type: "urn:ietf:params:oauth:token-type:access_token",
      });

    it("another client's token", async () => {
      const other = await exchanger(server, [BILLING], { name: "another service" });
      expectRefused(await withActor(await clientCredentialsToken(server, other)), "invalid_grant");
      expectRefused(await withActor(subject.token), "invalid_grant");
    });

    it("the caller's own token, revoked", async () => {
      const own = await clientCredentialsToken(server, service);
      const claims = decodePayload(own);
      await server.ctx.revocations.revokeAccessToken(claims.jti as string, claims.exp as number);
      expectRefused(await withActor(own), "invalid_grant");
    });

    it("a forged one", async () => {
      const kid = jwtHeader(subject.token).kid as string;
      const forged = await foreignToken(kid, { iss: server.issuer, sub: service.id, client_id: service.id });
      expectRefused(await withActor(forged), "invalid_grant");
    });
  });
});
