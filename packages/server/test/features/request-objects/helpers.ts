import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { CryptoKey } from "openid-client";
import { FormBrowser } from "../../helpers/browser.js";
import { alertText } from "../../helpers/oidc.js";
import type { TestServer } from "../../helpers/server.js";

/** A client signing key pair and its public JWK (with kid and alg). */
export async function signingKey(alg = "ES256", kid = `k-${Math.random().toString(36).slice(2)}`) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { privateKey: privateKey as CryptoKey, jwk, kid, alg };
}

/** Signs claims as a request object with the given key and header overrides. */
export function signRequestObject(
  key: { privateKey: CryptoKey; kid: string; alg: string },
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "oauth-authz-req+jwt", ...header })
    .sign(key.privateKey);
}

/** A local HTTP server publishing a JWK Set (a client's jwks_uri). */
export async function jwksServer(
  keys: JWK[],
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Opens /authorize with the given query in a fresh browser, without following redirects. */
export async function openAuthorize(server: TestServer, query: Record<string, string>) {
  const response = await new FormBrowser(server.issuer).request(`/authorize?${new URLSearchParams(query)}`);
  const location = response.headers.get("location");
  const text = await response.text();
  return { status: response.status, location, alert: alertText(text) ?? "" };
}
