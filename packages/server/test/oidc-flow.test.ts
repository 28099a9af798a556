import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "./helpers/browser.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { makeUser } from "./helpers/users.js";

const REDIRECT = "http://127.0.0.1:9/callback";

describe("authorization code + PKCE with openid-client", () => {
  let server: TestServer;
  let config: client.Configuration;
  let username: string;
  let password: string;

  beforeAll(async () => {
    server = await startTestServer();
    const registered = await server.client({
      name: "Photo Printer",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: [REDIRECT],
      postLogoutRedirectUris: ["http://127.0.0.1:9/bye"],
      scopes: "openid profile email offline_access photos:read",
    });
    config = await client.discovery(new URL(server.issuer), registered.id, registered.secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    ({ username, password } = await makeUser(server.ctx));
  });
  afterAll(() => server.close());

  async function authorize(browser: FormBrowser, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid profile email offline_access",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...extra,
    });
    const first = await browser.follow(url.toString());
    return { verifier, state, nonce, first };
  }

  it("signs in, asks consent, and returns tokens that openid-client validates", async () => {
    const browser = new FormBrowser(server.issuer);
    const { verifier, state, nonce, first } = await authorize(browser);
    expect(first.url).toContain("/login");
    const loginPage = await first.response.text();
    expect(loginPage).toContain('name="username"');
    const consent = await browser.submit(loginPage, { username, password });
    expect(consent.url).toContain("/consent");
    const consentPage = await consent.response.text();
    expect(consentPage).toContain("Photo Printer");
    const back = await browser.submit(consentPage, {}, { button: { name: "decision", value: "allow" } });
    expect(back.url.startsWith(REDIRECT)).toBe(true);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims?.sub).toBeTruthy();
    expect(claims?.sid).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    const info = await client.fetchUserInfo(config, tokens.access_token, claims?.sub as string);
    expect(info.preferred_username).toBe(username);
    expect(info.email).toBe(`${username}@example.test`);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    // Reuse revoked the family: the successor is dead too.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("prompt=none answers login_required without a session and a code with one", async () => {
    const browser = new FormBrowser(server.issuer);
    const none = await authorize(browser, { prompt: "none" });
    const url = new URL(none.first.url);
    expect(url.searchParams.get("error")).toBe("login_required");
    expect(url.searchParams.get("iss")).toBe(server.issuer);
    expect(url.searchParams.get("state")).toBe(none.state);

    const full = await authorize(browser);
    const afterLogin = await browser.submit(await full.first.response.text(), { username, password });
    // consent was remembered from the previous test for this user and client
    expect(afterLogin.url.startsWith(REDIRECT)).toBe(true);
    const silent = await authorize(browser, { prompt: "none" });
    expect(new URL(silent.first.url).searchParams.get("code")).toBeTruthy();
  });
});
