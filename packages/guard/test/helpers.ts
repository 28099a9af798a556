import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  type KeyObject,
  SignJWT,
} from "jose";

export type SigningKey = {
  privateKey: CryptoKey | KeyObject;
  publicKey: CryptoKey | KeyObject;
  jwk: JWK;
  kid: string;
};

/** A fresh ES256 key pair, its public JWK tagged with `kid`. */
export async function makeKey(kid = "k1"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { privateKey, publicKey, jwk, kid };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs an access token; `claims` and `header` override the valid defaults (undefined removes). */
export async function mint(
  key: SigningKey,
  issuer: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const payload: Record<string, unknown> = {
    iss: issuer,
    aud: "https://api.test",
    sub: "user-1",
    client_id: "client-1",
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    scope: "orders:read profile",
    iat: now,
    exp: now + 600,
    ...claims,
  };
  const protectedHeader: Record<string, unknown> = { alg: "ES256", typ: "at+jwt", kid: key.kid, ...header };
  for (const map of [payload, protectedHeader]) {
    for (const [k, v] of Object.entries(map)) if (v === undefined) delete map[k];
  }
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

/** A DPoP key pair, as `generateDpopKey` makes it. */
type ProofKey = { alg: string; privateKey: CryptoKey; publicJwk: JWK };

/** The `cnf` claim binding a token to a DPoP key (RFC 9449 section 6.1). */
export async function cnfOf(key: ProofKey): Promise<{ jkt: string }> {
  return { jkt: await calculateJwkThumbprint(key.publicJwk, "sha256") };
}

/**
 * A DPoP proof with valid defaults for `POST https://id.example.com/token`; `claims` and `header` override
 * them (undefined removes a member); `signer` signs instead of the key itself.
 */
export async function proofWith(
  key: ProofKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signer: CryptoKey | KeyObject = key.privateKey,
): Promise<string> {
  const payload = Object.fromEntries(
    Object.entries({
      jti: randomUUID(),
      htm: "POST",
      htu: "https://id.example.com/token",
      iat: nowSeconds(),
      ...claims,
    }).filter(([, v]) => v !== undefined),
  );
  const protectedHeader = Object.fromEntries(
    Object.entries({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk, ...header }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new SignJWT(payload).setProtectedHeader(protectedHeader as { alg: string }).sign(signer);
}

/**
 * A Redis key prefix for one test file: named for this test run (FRONTDESK_TEST_RUN, set by the global
 * setup), so the run's teardown removes whatever a failed test left, and never shared with a parallel run.
 */
export function redisTestPrefix(name: string): string {
  return `frontdesk-test-${process.env.FRONTDESK_TEST_RUN ?? "local"}-${name}-${randomUUID()}:`;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A Fastify app on a node:http server of its own, for {@link listen} (call `server()` after `app.ready()`). */
export function fastifyApp(): { app: FastifyInstance; server: () => Server } {
  let server: Server | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      server = createServer(handler);
      return server;
    },
  });
  return { app, server: () => server as Server };
}

/** Starts a node:http server on an ephemeral loopback port. */
export async function listen(
  handler: Handler | Server,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = typeof handler === "function" ? createServer(handler) : handler;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fake issuer serving RFC 8414 metadata and a JWKS, counting requests. */
export async function startIssuer(options: { keys: JWK[]; metadataPath?: string }) {
  const state = {
    keys: options.keys,
    hits: { metadata: 0, jwks: 0, other: 0 },
    jwksDelay: 0,
  };
  let issuer = "";
  const metadataPath = options.metadataPath ?? "/.well-known/oauth-authorization-server";
  const srv = await listen(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === metadataPath) {
      state.hits.metadata++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` }));
    } else if (path === "/jwks") {
      state.hits.jwks++;
      if (state.jwksDelay) await new Promise((r) => setTimeout(r, state.jwksDelay));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: state.keys }));
    } else {
      state.hits.other++;
      res.statusCode = 404;
      res.end();
    }
  });
  issuer = srv.url;
  return { issuer, state, close: srv.close };
}

/** Polls `check` until it returns true or `ms` pass; resolves to the elapsed time. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 1000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
