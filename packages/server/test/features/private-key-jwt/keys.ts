import { createHmac, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { JWT_BEARER_ASSERTION } from "../../../src/features/private-key-jwt/assertion.js";
import type { ClientMetadata } from "../../../src/storage/durable/types.js";
import type { TestClientOptions, TestServer } from "../../helpers/server.js";

/** A client's signing key: the private half for the client, the public JWK for registration. */
export interface ClientKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** A fresh key pair for `alg` (ES256, RS256, PS256, Ed25519). */
export async function clientKey(alg = "ES256", kid: string = randomUUID()): Promise<ClientKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** Registers a client_credentials client authenticating with `private_key_jwt`. */
export async function keyClient(
  server: TestServer,
  keys: { jwks?: { keys: JWK[] }; jwksUri?: string },
  grantTypes = ["client_credentials"],
  options: TestClientOptions = {},
): Promise<string> {
  const { id } = await server.client(
    { tokenEndpointAuthMethod: "private_key_jwt", grantTypes, metadata: keys as ClientMetadata },
    options,
  );
  return id;
}

export interface AssertionOptions {
  claims?: Record<string, unknown>;
  /** Claims to leave out (e.g. `exp`). */
  omit?: string[];
  header?: Record<string, unknown>;
}

/** A client assertion for `clientId`, valid by default (aud = issuer, exp in 60 s, a fresh jti). */
export async function signAssertion(
  server: Pick<TestServer, "issuer">,
  clientId: string,
  key: ClientKey,
  options: AssertionOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: server.issuer,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header })
    .sign(key.privateKey);
}

/** The form fields of `private_key_jwt`. */
export function assertionForm(assertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion, ...extra };
}

/** A JWT signed with HMAC (`HS256`), not via jose's asymmetric checks: for the algorithm-confusion attack. */
export function hmacJwt(secret: Uint8Array, header: object, claims: object): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** A local HTTP server serving a JWK Set that a test can change (development mode allows http loopback). */
export async function jwksServer(): Promise<{
  uri: string;
  serve(keys: JWK[]): void;
  fetches(): number;
  close(): Promise<void>;
}> {
  let served: JWK[] = [];
  let count = 0;
  const server: Server = createServer((_req, res) => {
    count++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    serve(keys) {
      served = keys;
    },
    fetches: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
