import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { accessTokenHash, createDpopProof, type DpopKey, generateDpopKey } from "@frontdesk/guard/dpop";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import type { ClientInput } from "../../../src/clients/registration.js";
import { FormBrowser } from "../../helpers/browser.js";
import type { HttpAnswer } from "../../helpers/http.js";
import {
  beginAuthorization,
  completeAuthorization,
  type Person,
  type RelyingParty,
  relyingParty,
} from "../../helpers/oidc.js";
import type { TestServer } from "../../helpers/server.js";

export { createDpopProof, type DpopKey, generateDpopKey };

/** The key's JWK SHA-256 thumbprint (RFC 7638), the `jkt` a token is bound to. */
export function thumbprint(key: DpopKey): Promise<string> {
  return calculateJwkThumbprint(key.publicJwk, "sha256");
}

/** A public code-flow client (unless `public: false`), discovered with openid-client. */
export function dpopClient(server: TestServer, input: Partial<ClientInput> = {}): Promise<RelyingParty> {
  return relyingParty(server, { name: "Phone app", public: true, ...input });
}

/** A person signs in and consents in a fresh browser; returns the code and its PKCE verifier. */
export async function authorizationCode(
  server: TestServer,
  rp: RelyingParty,
  person: Person,
  params: Record<string, string> = {},
): Promise<{ code: string; verifier: string; callback: URL }> {
  const browser = new FormBrowser(server.issuer);
  const start = await beginAuthorization(rp, browser, params);
  const { callback } = await completeAuthorization(browser, start, person);
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code in ${callback}`);
  return { code, verifier: start.verifier, callback };
}

/** The form of a code redemption by a public client. */
export function codeForm(rp: RelyingParty, code: string, verifier: string): Record<string, string> {
  return {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: rp.redirectUri,
    client_id: rp.id,
  };
}

/**
 * One HTTP request with any headers, each value of a list sent as its own header line
 * (fetch would join repeated headers into one).
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; form?: Record<string, string> },
): Promise<HttpAnswer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string | string[]> = { ...options.headers };
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? (body ? "POST" : "GET"), headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: answerHeaders, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A token request (form) with the given DPoP header value(s) and any other headers. */
export function tokenRequest(
  base: string,
  form: Record<string, string>,
  dpop?: string | string[],
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return rawRequest(`${base}/token`, {
    form,
    headers: { ...headers, ...(dpop === undefined ? {} : { dpop }) },
  });
}

/** What a hand-made proof changes: header members, claims, the key that signs it. */
export interface ProofTweaks {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  signer?: CryptoKey;
}

/**
 * A DPoP proof built by hand with jose, for the refusals `createDpopProof` would never
 * produce: an old or future `iat`, another `typ`, a private `jwk`, another key's signature.
 */
export async function handMadeProof(
  key: DpopKey,
  request: { method: string; url: string; accessToken?: string; nonce?: string },
  tweaks: ProofTweaks = {},
): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: request.method,
    htu: request.url,
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    ...(request.accessToken === undefined ? {} : { ath: accessTokenHash(request.accessToken) }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...tweaks.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk, ...tweaks.header } as never)
    .sign(tweaks.signer ?? key.privateKey);
}

/** A GET (or other method) of one of the server's resources with `Authorization: DPoP` and a proof. */
export function dpopResourceRequest(
  url: string,
  token: string,
  proof: string | string[] | undefined,
  method = "GET",
): Promise<HttpAnswer> {
  return rawRequest(url, {
    method,
    headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) },
  });
}

/** What one proof is for. */
export interface ProofTarget {
  method: string;
  url: string;
  accessToken?: string;
}

/** `alg: none`: a header and claims with an empty signature. */
export function unsignedProof(key: DpopKey, target: ProofTarget, jti: string = randomUUID()): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = {
    htm: target.method,
    htu: target.url,
    jti,
    iat: Math.floor(Date.now() / 1000),
    ...(target.accessToken === undefined ? {} : { ath: accessTokenHash(target.accessToken) }),
  };
  return `${part({ alg: "none", typ: "dpop+jwt", jwk: key.publicJwk })}.${part(claims)}.`;
}

/**
 * Proofs (by `key`, for `target`) the server must refuse, each for one reason, with what
 * its error_description says. Everything else about each is right.
 */
export async function badProofs(
  key: DpopKey,
  target: ProofTarget,
): Promise<Record<string, [proof: string | string[], reason: RegExp]>> {
  const now = Math.floor(Date.now() / 1000);
  const other = await generateDpopKey();
  const extractable = await generateKeyPair("ES256", { extractable: true });
  const symmetric = new TextEncoder().encode("a".repeat(32));
  const wrongMethod = target.method === "GET" ? "POST" : "GET";
  return {
    [`htm ${wrongMethod}`]: [await createDpopProof(key, { ...target, method: wrongMethod }), /htm/],
    "htu of another endpoint": [await createDpopProof(key, { ...target, url: `${target.url}-other` }), /htu/],
    "htu of another origin": [
      await createDpopProof(key, { ...target, url: "https://evil.example/token" }),
      /htu/,
    ],
    "iat 2 minutes old": [await handMadeProof(key, target, { claims: { iat: now - 120 } }), /iat/],
    "iat a minute ahead": [await handMadeProof(key, target, { claims: { iat: now + 60 } }), /iat/],
    "typ JWT": [await handMadeProof(key, target, { header: { typ: "JWT" } }), /typ/],
    "a private key in jwk": [
      await handMadeProof(key, target, {
        header: { jwk: await exportJWK(extractable.privateKey) },
        signer: extractable.privateKey,
      }),
      /public key/,
    ],
    "signed by another key": [await handMadeProof(key, target, { signer: other.privateKey }), /signature/],
    "alg none (no signature)": [unsignedProof(key, target), /malformed/],
    "alg none (with a signature)": [`${unsignedProof(key, target)}c2ln`, /algorithm/],
    "alg HS256": [
      await handMadeProof(key, target, {
        header: { alg: "HS256", jwk: { kty: "oct", k: Buffer.from(symmetric).toString("base64url") } },
        signer: symmetric as never,
      }),
      /algorithm/,
    ],
    "no jti": [await handMadeProof(key, target, { claims: { jti: undefined } }), /jti/],
    "not a JWT": ["not-a-jwt", /malformed/],
    empty: ["", /required/],
    "two DPoP headers": [
      [await createDpopProof(key, target), await createDpopProof(key, target)],
      /exactly one/,
    ],
  };
}
