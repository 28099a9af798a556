import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import type { ClientInput } from "../../src/clients/registration.js";
import type { FormBrowser } from "./browser.js";
import { basic, type HttpAnswer, postForm } from "./http.js";
import type { TestServer } from "./server.js";
import type { makeUser } from "./users.js";

export const REDIRECT = "http://127.0.0.1:9/callback";
export const LOGOUT_REDIRECT = "http://127.0.0.1:9/bye";
export const ALL_SCOPES = "openid profile email offline_access photos:read";

/** A registered client and its openid-client configuration. */
export interface RelyingParty {
  id: string;
  secret: string;
  redirectUri: string;
  config: oidc.Configuration;
}

export interface Person {
  username: string;
  password: string;
}

/** A user made with makeUser: credentials and the stored record. */
export type TestUser = Awaited<ReturnType<typeof makeUser>>;

/**
 * Registers an authorization-code client (confidential unless `public`) and discovers the
 * server with openid-client (a public client authenticates with `None`).
 */
export async function relyingParty(
  server: TestServer,
  input: Partial<ClientInput> = {},
): Promise<RelyingParty> {
  const registered = await server.client({
    name: "Photo Printer",
    grantTypes: ["authorization_code", "refresh_token"],
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: [LOGOUT_REDIRECT],
    scopes: ALL_SCOPES,
    ...input,
  });
  const config = await oidc.discovery(
    new URL(server.issuer),
    registered.id,
    registered.secret || undefined,
    registered.secret ? undefined : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { ...registered, redirectUri: input.redirectUris?.[0] ?? REDIRECT, config };
}

export interface Started {
  verifier: string;
  state: string;
  nonce: string;
  /** Where the browser ended up, and what it got there. */
  response: Response;
  url: string;
}

/** Sends the browser to the authorization endpoint (S256 PKCE, state, nonce) and follows redirects on the server. */
export async function beginAuthorization(
  rp: RelyingParty,
  browser: FormBrowser,
  params: Record<string, string> = {},
): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: "openid profile email offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...params,
  });
  const { response, url: landed } = await browser.follow(url.toString());
  return { verifier, state, nonce, response, url: landed };
}

/** True when the URL is on the server the browser talks to (a page), false when it left for the client. */
export function onServer(browser: FormBrowser, url: string): boolean {
  return new URL(url).origin === new URL(browser.origin).origin;
}

/** Walks sign-in and consent pages until the browser is sent back to the client; returns the callback URL. */
export async function completeAuthorization(
  browser: FormBrowser,
  start: Pick<Started, "response" | "url">,
  person: Person,
  decision: "allow" | "deny" = "allow",
): Promise<{ callback: URL; pages: string[] }> {
  let { response, url } = start;
  const pages: string[] = [];
  for (let step = 0; step < 4; step++) {
    if (!onServer(browser, url)) return { callback: new URL(url), pages };
    const path = new URL(url).pathname;
    pages.push(path);
    const page = await response.text();
    if (path === "/login")
      ({ response, url } = await browser.submit(page, {
        username: person.username,
        password: person.password,
      }));
    else if (path === "/consent")
      ({ response, url } = await browser.submit(page, {}, { button: { name: "decision", value: decision } }));
    else throw new Error(`unexpected page ${url} (${response.status}): ${page.slice(0, 300)}`);
  }
  throw new Error("authorization did not finish");
}

/** The whole code flow with openid-client checking everything: state, nonce, ID token, PKCE. */
export async function codeFlow(
  rp: RelyingParty,
  browser: FormBrowser,
  person: Person,
  params: Record<string, string> = {},
): Promise<{
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  start: Started;
  callback: URL;
  pages: string[];
}> {
  const start = await beginAuthorization(rp, browser, params);
  const { callback, pages } = await completeAuthorization(browser, start, person);
  const tokens = await redeemCode(rp, start, callback, params.scope);
  return { tokens, start, callback, pages };
}

/** The client's side of its callback: the code redeemed, openid-client checking state, PKCE and (with openid) the ID token and nonce. */
export function redeemCode(
  rp: RelyingParty,
  start: Pick<Started, "verifier" | "state" | "nonce">,
  callback: URL,
  scope = "openid profile email offline_access",
): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  return oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: start.verifier,
    expectedState: start.state,
    ...(scope.split(" ").includes("openid") ? { expectedNonce: start.nonce, idTokenExpected: true } : {}),
  });
}

/** Signs the browser in directly on /login (no authorization request). */
export async function signIn(browser: FormBrowser, person: Person) {
  const login = await browser.request("/login");
  return browser.submit(await login.text(), { username: person.username, password: person.password });
}

/** Whether the browser's session is live: the account page answers 200, or redirects to /login. */
export async function accountStatus(browser: FormBrowser): Promise<number> {
  const response = await browser.request("/account");
  await response.arrayBuffer();
  return response.status;
}

/** Raw token request with client_secret_basic. */
export function tokenRequest(
  server: TestServer,
  rp: Pick<RelyingParty, "id" | "secret">,
  form: Record<string, string>,
): Promise<HttpAnswer> {
  return postForm(server, "/token", form, { authorization: basic(rp.id, rp.secret) });
}

/** RFC 7662 introspection as the given client. */
export async function introspect(
  server: TestServer,
  rp: Pick<RelyingParty, "id" | "secret">,
  token: string,
): Promise<Record<string, unknown>> {
  const answer = await postForm(server, "/introspect", { token }, { authorization: basic(rp.id, rp.secret) });
  if (answer.status !== 200) throw new Error(`introspection failed: ${answer.status} ${answer.text}`);
  return answer.json ?? {};
}

export function sha256hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/** The message of the page's alert, if any. */
export function alertText(page: string): string | undefined {
  return /<p class="error" role="alert">([\s\S]*?)<\/p>/.exec(page)?.[1];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
