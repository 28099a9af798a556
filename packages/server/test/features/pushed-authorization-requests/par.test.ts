import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { basic, getJson, postForm, postRaw } from "../../helpers/http.js";
import {
  alertText,
  completeAuthorization,
  REDIRECT,
  type RelyingParty,
  relyingParty,
  type TestUser,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { authorizationParams, openPushed, push } from "./helpers.js";

const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

describe("pushed authorization requests (RFC 9126)", () => {
  let server: TestServer;
  let rp: RelyingParty;
  let other: RelyingParty;
  let person: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    rp = await relyingParty(server);
    other = await relyingParty(server, { name: "Other App" });
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("is advertised in discovery, not required by default", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json?.pushed_authorization_request_endpoint).toBe(`${server.issuer}/par`);
    expect(json?.require_pushed_authorization_requests).toBe(false);
  });

  it("openid-client pushes the request and signs in with only the pushed parameters", async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithPAR(rp.config, {
      redirect_uri: REDIRECT,
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    expect([...url.searchParams.keys()].sort()).toEqual(["client_id", "request_uri"]);
    expect(url.searchParams.get("request_uri")).toMatch(/^urn:ietf:params:oauth:request_uri:[\w-]{43}$/);
    const browser = new FormBrowser(server.issuer);
    const start = await browser.follow(url.toString());
    const { callback, pages } = await completeAuthorization(browser, start, person);
    expect(pages).toEqual(["/login", "/consent"]);
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()?.sub).toBe(person.user.id);
    expect(tokens.scope).toBe("openid profile");
  });

  it("answers 201 with a request_uri of 60 seconds, whichever instance serves the push and the use", async () => {
    // Round-robin: pushes and uses alternate between the instances in the distributed run.
    for (let i = 0; i < 3; i++) {
      const { params } = await authorizationParams();
      const pushed = await push(server, rp, params);
      expect(pushed.status).toBe(201);
      expect(pushed.headers.get("cache-control")).toBe("no-store");
      expect(pushed.json?.expires_in).toBe(60);
      const opened = await openPushed(server, rp.id, String(pushed.json?.request_uri));
      expect(opened.status).toBe(303);
      expect(opened.location).toMatch(/^\/login\?request=/);
    }
  });

  it("accepts client_secret_post and a public client (client_id, no secret) too", async () => {
    const { params } = await authorizationParams();
    const post = await postForm(server, "/par", { ...params, client_id: rp.id, client_secret: rp.secret });
    expect(post.status).toBe(201);
    const spa = await server.client({
      public: true,
      grantTypes: ["authorization_code"],
      redirectUris: [REDIRECT],
      scopes: "openid profile",
    });
    const publicPush = await postForm(server, "/par", { ...params, client_id: spa.id });
    expect(publicPush.status).toBe(201);
    expect((await openPushed(server, spa.id, String(publicPush.json?.request_uri))).status).toBe(303);
  });

  it("parameters sent next to request_uri at /authorize are ignored: only the pushed ones count", async () => {
    const ALT = "http://127.0.0.1:9/other-callback";
    const two = await relyingParty(server, { name: "Two Callbacks", redirectUris: [REDIRECT, ALT] });
    const { verifier, params } = await authorizationParams({ scope: "openid profile" });
    const pushed = await push(server, two, params);
    expect(pushed.status).toBe(201);
    const { verifier: otherVerifier, params: other } = await authorizationParams({
      scope: "openid email offline_access",
      redirect_uri: ALT,
    });
    const query = new URLSearchParams({
      client_id: two.id,
      request_uri: String(pushed.json?.request_uri),
      scope: other.scope,
      redirect_uri: other.redirect_uri,
      state: other.state,
      nonce: other.nonce,
      code_challenge: other.code_challenge,
      response_mode: "form_post",
    });
    expect(otherVerifier).not.toBe(verifier);
    const browser = new FormBrowser(server.issuer);
    const start = await browser.follow(`/authorize?${query}`);
    const { callback, pages } = await completeAuthorization(browser, start, person);
    expect(pages).toEqual(["/login", "/consent"]);
    // The pushed redirect URI and state, in the query (not form_post); the pushed PKCE, nonce and scope.
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get("state")).toBe(params.state);
    const tokens = await oidc.authorizationCodeGrant(two.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: params.state,
      expectedNonce: params.nonce,
      idTokenExpected: true,
    });
    expect(tokens.scope).toBe("openid profile");
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.claims()?.email).toBeUndefined();
  });

  it("a request_uri is single use: the second use is invalid_request_uri", async () => {
    const { params } = await authorizationParams();
    const requestUri = String((await push(server, rp, params)).json?.request_uri);
    expect((await openPushed(server, rp.id, requestUri)).status).toBe(303);
    const again = await openPushed(server, rp.id, requestUri);
    expect(again.status).toBe(400);
    expect(again.location).toBeNull();
    expect(alertText(await again.response.text())).toContain("invalid_request_uri");
  });

  it("a refused authorize consumes nothing: another client's, unknown or malformed request_uri", async () => {
    const { params } = await authorizationParams();
    const requestUri = String((await push(server, rp, params)).json?.request_uri);
    const cases: [string, string][] = [
      [other.id, requestUri],
      [rp.id, `${requestUri.slice(0, -2)}AA`],
      [rp.id, "urn:ietf:params:oauth:request_uri:short"],
    ];
    for (const [clientId, uri] of cases) {
      const refused = await openPushed(server, clientId, uri);
      expect(refused.status, uri).toBe(400);
      expect(alertText(await refused.response.text())).toContain("invalid_request_uri");
    }
    const bothRequestAndUri = await new FormBrowser(server.issuer).request(
      `/authorize?${new URLSearchParams({ client_id: rp.id, request_uri: requestUri, request: "x.y.z" })}`,
    );
    expect(bothRequestAndUri.status).toBe(400);
    expect((await openPushed(server, rp.id, requestUri)).status).toBe(303);
  });

  it("refuses a bad push with the RFC's error as JSON and stores nothing", async () => {
    const spy = distributed ? undefined : vi.spyOn(server.ctx.fast, "set");
    const { params } = await authorizationParams();
    const { response_type: _, ...noResponseType } = params;
    const { code_challenge: __, ...noPkce } = params;
    const cases: [Record<string, string> | [string, string][], string, number][] = [
      [noResponseType, "invalid_request", 400],
      [{ ...params, response_type: "token" }, "unsupported_response_type", 400],
      [noPkce, "invalid_request", 400],
      [{ ...params, code_challenge_method: "plain" }, "invalid_request", 400],
      [{ ...params, scope: "openid admin:everything" }, "invalid_scope", 400],
      [{ ...params, redirect_uri: "http://127.0.0.1:9/elsewhere" }, "invalid_request", 400],
      [{ ...params, resource: "https://unknown.example" }, "invalid_target", 400],
      [{ ...params, request_uri: "urn:ietf:params:oauth:request_uri:abc" }, "invalid_request", 400],
      [{ ...params, client_id: other.id }, "invalid_request", 400],
      [{ ...params, max_age: "soon" }, "invalid_request", 400],
      [[...Object.entries(params), ["scope", "openid"]], "invalid_request", 400],
    ];
    for (const [form, error, status] of cases) {
      const answer = await postForm(server, "/par", form, { authorization: basic(rp.id, rp.secret) });
      expect(answer.json?.error, JSON.stringify(form)).toBe(error);
      expect(answer.status).toBe(status);
      expect(answer.json).not.toHaveProperty("request_uri");
    }
    const wrongSecret = await push(server, { id: rp.id, secret: "wrong" }, params);
    expect([wrongSecret.status, wrongSecret.json?.error]).toEqual([401, "invalid_client"]);
    const noAuth = await postForm(server, "/par", params);
    expect([noAuth.status, noAuth.json?.error]).toEqual([401, "invalid_client"]);
    const json = await postRaw(server, "/par", JSON.stringify(params), {
      "content-type": "application/json",
      authorization: basic(rp.id, rp.secret),
    });
    expect([json.status, json.json?.error]).toEqual([400, "invalid_request"]);
    if (spy) {
      expect(spy.mock.calls.filter(([ns]) => ns === "par")).toEqual([]);
      spy.mockRestore();
    }
  });

  it("stores a pushed request for 60 seconds, keyed by a hash, never by the request_uri itself", async () => {
    if (distributed) return; // the instances' stores are seen from outside only
    const spy = vi.spyOn(server.ctx.fast, "set");
    const { params } = await authorizationParams();
    const requestUri = String((await push(server, rp, params)).json?.request_uri);
    const stored = spy.mock.calls.filter(([ns]) => ns === "par");
    spy.mockRestore();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.[3]).toBe(60);
    expect(stored[0]?.[1]).not.toContain(requestUri.split(":").pop());
  });

  it("a request_uri that is not this server's is never fetched: request_uri_not_supported", async () => {
    const browser = new FormBrowser(server.issuer);
    const query = new URLSearchParams({
      client_id: rp.id,
      redirect_uri: REDIRECT,
      request_uri: "https://attacker.example/request.jwt",
      state: "s1",
      prompt: "none",
    });
    const response = await browser.request(`/authorize?${query}`);
    expect(response.status).toBe(303);
    const location = new URL(String(response.headers.get("location")));
    expect(location.searchParams.get("error")).toBe("request_uri_not_supported");
    expect(location.searchParams.get("state")).toBe("s1");
  });

  it("a client registered with require_pushed_authorization_requests gets nothing else", async () => {
    const strict = await relyingParty(server, {
      name: "Strict App",
      metadata: { requirePushedAuthorizationRequests: true },
    });
    const { params } = await authorizationParams({ state: "plain" });
    const plain = await new FormBrowser(server.issuer).request(
      `/authorize?${new URLSearchParams({ ...params, client_id: strict.id, prompt: "none" })}`,
    );
    expect(plain.status).toBe(303);
    const location = new URL(String(plain.headers.get("location")));
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("state")).toBe("plain");
    const pushed = await push(server, strict, params);
    expect(pushed.status).toBe(201);
    expect((await openPushed(server, strict.id, String(pushed.json?.request_uri))).status).toBe(303);
  });
});

describe("pushed authorization requests required server-wide", () => {
  let server: TestServer;
  let rp: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer({ features: { pushedAuthorizationRequests: { required: true } } });
    rp = await relyingParty(server);
  });
  afterAll(() => server.close());

  it("says so in discovery, refuses a plain request and serves a pushed one", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json?.require_pushed_authorization_requests).toBe(true);
    const { params } = await authorizationParams();
    const plain = await new FormBrowser(server.issuer).request(
      `/authorize?${new URLSearchParams({ ...params, client_id: rp.id, prompt: "none" })}`,
    );
    expect(new URL(String(plain.headers.get("location"))).searchParams.get("error")).toBe("invalid_request");
    const url = await oidc.buildAuthorizationUrlWithPAR(rp.config, params);
    const opened = await new FormBrowser(server.issuer).request(url.toString());
    expect(opened.status).toBe(303);
    expect(opened.headers.get("location")).toMatch(/^\/login\?request=/);
  });
});

describe("pushed authorization requests switched off", () => {
  let server: TestServer;
  let rp: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer({ features: { pushedAuthorizationRequests: { enabled: false } } });
    rp = await relyingParty(server);
  });
  afterAll(() => server.close());

  it("answers 404 at /par, is absent from discovery, and any request_uri is request_uri_not_supported", async () => {
    const { params } = await authorizationParams();
    expect((await push(server, rp, params)).status).toBe(404);
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json).not.toHaveProperty("pushed_authorization_request_endpoint");
    expect(json).not.toHaveProperty("require_pushed_authorization_requests");
    const query = new URLSearchParams({
      client_id: rp.id,
      redirect_uri: REDIRECT,
      request_uri: "urn:ietf:params:oauth:request_uri:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      prompt: "none",
    });
    const response = await new FormBrowser(server.issuer).request(`/authorize?${query}`);
    expect(new URL(String(response.headers.get("location"))).searchParams.get("error")).toBe(
      "request_uri_not_supported",
    );
  });
});
