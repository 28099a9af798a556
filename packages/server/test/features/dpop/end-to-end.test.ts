import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import {
  beginAuthorization,
  completeAuthorization,
  decodePayload,
  type Person,
  type RelyingParty,
  type TestUser,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestConfig, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { dpopClient } from "./helpers.js";

/** The code flow through openid-client, with a DPoP handle on the token request. */
async function dpopCodeFlow(
  server: TestServer,
  rp: RelyingParty,
  person: Person,
  dpop: oidc.DPoPHandle,
  params: Record<string, string> = {},
) {
  const browser = new FormBrowser(server.issuer);
  const start = await beginAuthorization(rp, browser, params);
  const { callback } = await completeAuthorization(browser, start, person);
  return oidc.authorizationCodeGrant(
    rp.config,
    callback,
    {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
      idTokenExpected: true,
    },
    undefined,
    { DPoP: dpop },
  );
}

/** What openid-client's error says about the server's answer: `code: description`. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  const { error: code, error_description } = (error ?? {}) as { error?: string; error_description?: string };
  return `${code}: ${error_description}`;
}

/** Records the status, `error` and `DPoP-Nonce` of every answer openid-client receives. */
function recordAnswers(rp: RelyingParty): { status: number; error?: string; nonce: string | null }[] {
  const seen: { status: number; error?: string; nonce: string | null }[] = [];
  rp.config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { error?: string };
    const challenge = /error="([a-z_]+)"/.exec(response.headers.get("www-authenticate") ?? "")?.[1];
    const error = body.error ?? challenge;
    seen.push({
      status: response.status,
      nonce: response.headers.get("dpop-nonce"),
      ...(error ? { error } : {}),
    });
    return response;
  };
  return seen;
}

for (const nonce of ["off", "required"] as const) {
  describe(`DPoP end to end with openid-client, nonces ${nonce} (RFC 9449)`, () => {
    let server: TestServer;
    let person: TestUser;
    beforeAll(async () => {
      const config: TestConfig = { features: { dpop: { nonce } } };
      server = await startTestServer(config);
      person = await makeUser(server.ctx);
    });
    afterAll(() => server.close());
    failOnErrorLogs(() => server);

    it("discovery advertises the proof algorithms: asymmetric only", async () => {
      const metadata = (await dpopClient(server)).config.serverMetadata();
      expect(metadata.dpop_signing_alg_values_supported).toEqual([
        "ES256",
        "EdDSA",
        "Ed25519",
        "RS256",
        "PS256",
      ]);
    });

    it.each(["ES256", "Ed25519", "PS256"])(
      "openid-client's %s proof keys work through code, userinfo and refresh",
      async (alg) => {
        const rp = await dpopClient(server);
        const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair(alg));
        const tokens = await dpopCodeFlow(server, rp, person, dpop);
        expect(decodePayload(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
        await oidc.fetchUserInfo(rp.config, tokens.access_token, person.user.id, { DPoP: dpop });
        const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string, undefined, {
          DPoP: dpop,
        });
        expect(refreshed.token_type.toLowerCase()).toBe("dpop");
      },
    );

    it("a public client: code flow with DPoP, userinfo with DPoP, refresh with the same key", async () => {
      const rp = await dpopClient(server);
      const answers = recordAnswers(rp);
      const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const jkt = await dpop.calculateThumbprint();
      const tokens = await dpopCodeFlow(server, rp, person, dpop);
      expect(tokens.token_type.toLowerCase()).toBe("dpop");
      expect(decodePayload(tokens.access_token).cnf).toEqual({ jkt });

      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, person.user.id, { DPoP: dpop });
      expect(info.preferred_username).toBe(person.username);

      const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string, undefined, {
        DPoP: dpop,
      });
      expect(refreshed.token_type.toLowerCase()).toBe("dpop");
      expect(decodePayload(refreshed.access_token).cnf).toEqual({ jkt });
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      const again = await oidc.fetchUserInfo(rp.config, refreshed.access_token, person.user.id, {
        DPoP: dpop,
      });
      expect(again.sub).toBe(person.user.id);
      // With nonces required, the first token request was answered use_dpop_nonce and retried
      // with the nonce; every answer carried a fresh one, which userinfo accepts too (one origin).
      const nonceRefusals = answers.filter((a) => a.error === "use_dpop_nonce");
      if (nonce === "required") {
        expect(nonceRefusals.map((a) => a.status)).toEqual([400]);
        expect(answers.every((a) => a.nonce)).toBe(true);
      } else {
        expect(nonceRefusals).toEqual([]);
        expect(answers.some((a) => a.nonce)).toBe(false);
      }
    });

    it("the public client's refresh token is bound to its key: another key gets invalid_grant, the right one still works", async () => {
      const rp = await dpopClient(server);
      const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const tokens = await dpopCodeFlow(server, rp, person, dpop);
      const thief = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const refreshToken = tokens.refresh_token as string;
      expect(
        await refusal(oidc.refreshTokenGrant(rp.config, refreshToken, undefined, { DPoP: thief })),
      ).toMatch(/^invalid_grant: refresh token is bound to another DPoP key/);
      expect(await refusal(oidc.refreshTokenGrant(rp.config, refreshToken))).toMatch(
        /^invalid_grant: refresh token is bound to another DPoP key/,
      );
      const refreshed = await oidc.refreshTokenGrant(rp.config, refreshToken, undefined, { DPoP: dpop });
      expect(refreshed.access_token).toBeTypeOf("string");
    });

    it("a pushed request with a DPoP proof binds the code to the proof's key", async () => {
      const rp = await dpopClient(server);
      const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = await oidc.buildAuthorizationUrlWithPAR(
        rp.config,
        {
          redirect_uri: rp.redirectUri,
          scope: "openid offline_access",
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state,
        },
        { DPoP: dpop },
      );
      const browser = new FormBrowser(server.issuer);
      const started = await browser.follow(url.toString());
      const { callback } = await completeAuthorization(browser, started, person);
      // A code bound to the pushed proof's key is refused with another key...
      const thief = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const checks = { pkceCodeVerifier: verifier, expectedState: state };
      expect(
        await refusal(oidc.authorizationCodeGrant(rp.config, callback, checks, undefined, { DPoP: thief })),
      ).toMatch(/^invalid_grant: the authorization code is bound to another DPoP key/);
      // ... (and used up by that attempt, as a wrong code_verifier would use it up).
      const again = await refusal(
        oidc.authorizationCodeGrant(rp.config, callback, checks, undefined, { DPoP: dpop }),
      );
      expect(again).toMatch(/^invalid_grant: authorization code already used/);
    });

    it("a confidential client: the access token is DPoP-bound, its refresh token is not (RFC 9449 5)", async () => {
      const rp = await dpopClient(server, { public: false });
      const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const tokens = await dpopCodeFlow(server, rp, person, dpop);
      expect(decodePayload(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
      const other = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string, undefined, {
        DPoP: other,
      });
      expect(decodePayload(refreshed.access_token).cnf).toEqual({ jkt: await other.calculateThumbprint() });
      const bearer = await oidc.refreshTokenGrant(rp.config, refreshed.refresh_token as string);
      expect(bearer.token_type.toLowerCase()).toBe("bearer");
      expect(decodePayload(bearer.access_token).cnf).toBeUndefined();
    });

    it("introspection says token_type DPoP and cnf for a bound token", async () => {
      const rp = await dpopClient(server, { public: false });
      const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair());
      const tokens = await dpopCodeFlow(server, rp, person, dpop);
      const introspected = await oidc.tokenIntrospection(rp.config, tokens.access_token);
      expect(introspected).toMatchObject({
        active: true,
        token_type: "DPoP",
        cnf: { jkt: await dpop.calculateThumbprint() },
      });
      const bearer = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token as string);
      expect((await oidc.tokenIntrospection(rp.config, bearer.access_token)).token_type).toBe("Bearer");
    });
  });
}
