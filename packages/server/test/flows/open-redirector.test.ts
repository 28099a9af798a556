import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import { REDIRECT, type RelyingParty, relyingParty, signIn, type TestUser } from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

const CHALLENGE = "E9Melhoe2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // RFC 7636 appendix B

/**
 * RFC 9700 4.11.2: anyone can craft an erroneous authorization request for a client
 * (a bad scope, no PKCE, an unsupported response type) and so turn the client's
 * redirect URI into a link that bounces a victim's browser straight there. A browser
 * with no signed-in person signs in first; only prompt=none answers at once.
 */
describe("authorization errors are no open redirector", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server, { name: "Photo Printer" });
    alice = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const valid = (): Record<string, string> => ({
    client_id: rp.id,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "openid profile",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    state: "st-42",
  });

  /** Erroneous requests an attacker can craft for a registered client, and the error each one is. */
  const crafted: [string, Record<string, string | undefined>, string][] = [
    ["a scope the client may not have", { scope: "openid admin" }, "invalid_scope"],
    ["no PKCE", { code_challenge: undefined }, "invalid_request"],
    ["an unsupported response type", { response_type: "token" }, "unsupported_response_type"],
    ["an unsupported response mode", { response_mode: "fragment" }, "invalid_request"],
    [
      "a request_uri from elsewhere",
      { request_uri: "https://elsewhere.example/r" },
      "request_uri_not_supported",
    ],
    ["an unknown resource", { resource: "https://elsewhere.example/" }, "invalid_target"],
    ["a malformed max_age", { max_age: "soon" }, "invalid_request"],
    ["an unknown prompt", { prompt: "bounce" }, "invalid_request"],
  ];

  function authorizePath(changes: Record<string, string | undefined>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...valid(), ...changes })) if (v !== undefined) params.set(k, v);
    return `/authorize?${params}`;
  }

  /** The client's error redirect: the registered URI, the error, state and iss, no code. */
  function clientError(location: string, error: string) {
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
    expect(url.searchParams.get("error")).toBe(error);
    expect(url.searchParams.get("state")).toBe("st-42");
    expect(url.searchParams.get("iss")).toBe(server.issuer);
    expect(url.searchParams.get("code")).toBeNull();
  }

  it("a signed-out browser is never sent to the client's redirect URI without signing in", async () => {
    for (const [what, changes, error] of crafted) {
      const browser = new FormBrowser(server.issuer);
      const { response, url } = await browser.follow(authorizePath(changes));
      // The browser stays on the server, at the sign-in page that names the client.
      expect(new URL(url).origin, what).toBe(server.issuer);
      expect(new URL(url).pathname, what).toBe("/login");
      const page = await response.text();
      expect(page, what).toContain("Photo Printer");
      // Signing in delivers the error (instance-independent: the error waits in the fast store).
      const after = await browser.submit(page, { username: alice.username, password: alice.password });
      expect(after.response.status, what).toBe(303);
      clientError(after.url, error);
    }
  });

  it("the held error is delivered once: the resume link does not redirect again", async () => {
    const browser = new FormBrowser(server.issuer);
    const first = await browser.request(authorizePath({ scope: "openid admin" }));
    const login = first.headers.get("location") as string;
    const id = new URL(login, server.issuer).searchParams.get("request") as string;
    const page = await (await browser.request(login)).text();
    const after = await browser.submit(page, { username: alice.username, password: alice.password });
    clientError(after.url, "invalid_scope");
    const again = await browser.request(`/authorize/resume?request=${encodeURIComponent(id)}`);
    expect(again.status).toBe(400);
    expect(again.headers.get("location")).toBeNull();
  });

  it("prompt=none still answers at once, with the request's own error", async () => {
    for (const [what, changes, error] of crafted) {
      if (changes.prompt) continue; // its own prompt is the error
      const response = await fetch(`${server.issuer}${authorizePath({ ...changes, prompt: "none" })}`, {
        redirect: "manual",
      });
      expect(response.status, what).toBe(303);
      clientError(response.headers.get("location") as string, error);
    }
  });

  it("a signed-in browser gets the error redirect at once", async () => {
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, alice);
    for (const [what, changes, error] of crafted) {
      const response = await browser.request(authorizePath(changes));
      expect(response.status, what).toBe(303);
      clientError(response.headers.get("location") as string, error);
    }
  });

  it("openid-client sees the error after the person signs in, and no code is issued", async () => {
    const browser = new FormBrowser(server.issuer);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: REDIRECT,
      scope: "openid admin",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    const start = await browser.follow(url.toString());
    expect(new URL(start.url).pathname).toBe("/login");
    const after = await browser.submit(await start.response.text(), {
      username: alice.username,
      password: alice.password,
    });
    const failure = await oidc
      .authorizationCodeGrant(rp.config, new URL(after.url), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(oidc.AuthorizationResponseError);
    expect((failure as oidc.AuthorizationResponseError).error).toBe("invalid_scope");
  });
});
