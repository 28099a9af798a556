import * as oidc from "openid-client";
import { FormBrowser } from "../../helpers/browser.js";
import { basic, type HttpAnswer, postForm } from "../../helpers/http.js";
import { REDIRECT, type RelyingParty } from "../../helpers/oidc.js";
import type { TestServer } from "../../helpers/server.js";

/** A valid authorization request's parameters (PKCE S256), with overrides. */
export async function authorizationParams(extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  return {
    verifier,
    params: {
      response_type: "code",
      redirect_uri: REDIRECT,
      scope: "openid profile",
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      ...extra,
    },
  };
}

/** A raw push with client_secret_basic. */
export function push(
  server: TestServer,
  rp: Pick<RelyingParty, "id" | "secret">,
  params: Record<string, string>,
): Promise<HttpAnswer> {
  return postForm(server, "/par", params, { authorization: basic(rp.id, rp.secret) });
}

/** Opens `/authorize?client_id&request_uri` in a fresh browser, without following redirects. */
export async function openPushed(server: TestServer, clientId: string, requestUri: string) {
  const browser = new FormBrowser(server.issuer);
  const query = new URLSearchParams({ client_id: clientId, request_uri: requestUri });
  const response = await browser.request(`/authorize?${query}`);
  return { browser, response, status: response.status, location: response.headers.get("location") };
}
