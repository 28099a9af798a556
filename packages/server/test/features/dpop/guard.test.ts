import type { Server } from "node:http";
import { generateDpopKey } from "@frontdesk/guard/dpop";
import { calculateJwkThumbprint, decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientCredentialsTokenSource,
  createVerifier,
  type TokenSource,
} from "../../../../guard/src/index.js";
import { dpopApps, get } from "../../../../guard/test/fixtures/dpop-apps.js";
import { listen } from "../../../../guard/test/helpers.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";

const PUBLIC_URL = "https://orders.test"; // what the service's callers address; it listens on 127.0.0.1

/**
 * The guard's DPoP side against a real server: its token source obtains DPoP-bound tokens from
 * Frontdesk's token endpoint (retrying once with the server's nonce when nonces are required), and
 * every adapter verifies them, with their proofs, against the server's JWKS.
 */
describe.each(["off", "required"] as const)(
  "the guard with DPoP-bound tokens from Frontdesk (nonces %s)",
  (nonce) => {
    let server: TestServer;
    let source: TokenSource;
    const key = generateDpopKey();
    failOnErrorLogs(() => server);

    beforeAll(async () => {
      server = await startTestServer({ features: { dpop: { nonce } } });
      const { id, secret } = await server.client({ metadata: { dpopBoundAccessTokens: true } });
      source = clientCredentialsTokenSource({
        issuer: server.issuer,
        clientId: id,
        clientSecret: secret,
        dpop: await key,
      });
    });
    afterAll(() => server?.close());

    it("the token source gets a DPoP-bound token: token_type DPoP, cnf.jkt its key's thumbprint", async () => {
      const headers = await source.headers("GET", `${PUBLIC_URL}/api/me`);
      expect(headers.authorization).toMatch(/^DPoP ey/);
      const claims = decodeJwt(headers.authorization?.slice("DPoP ".length) ?? "");
      expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint((await key).publicJwk, "sha256") });
    });

    describe.each(["node:http", "express", "fastify", "hono"])("%s adapter", (name) => {
      let base: string;
      let close: () => Promise<void>;
      beforeAll(async () => {
        const verifier = createVerifier({
          issuer: server.issuer,
          audience: `${server.issuer}/api`,
          publicUrl: PUBLIC_URL,
        });
        const app = await (dpopApps(verifier)[name] as () => Promise<Server>)();
        ({ url: base, close } = await listen(app));
      });
      afterAll(() => close?.());

      it("accepts the token with a fresh proof on every route, a DPoP-only one included", async () => {
        for (const path of ["/api/me", "/api/pay", "/only-dpop"]) {
          const answer = await get(base, path, await source.headers("GET", `${PUBLIC_URL}${path}`));
          expect([path, answer.status, answer.body]).toEqual([path, 200, { sub: expect.any(String) }]);
        }
      });

      it("refuses the same proof twice, a proof for another URL, and the bound token as Bearer", async () => {
        const headers = await source.headers("GET", `${PUBLIC_URL}/api/me`);
        expect((await get(base, "/api/me", headers)).status).toBe(200);
        const replay = await get(base, "/api/me", headers);
        expect([replay.status, replay.challenge]).toEqual([
          401,
          expect.stringContaining('error="invalid_dpop_proof"'),
        ]);
        const elsewhere = await get(base, "/api/me", await source.headers("GET", `${PUBLIC_URL}/api/other`));
        expect([elsewhere.status, elsewhere.challenge]).toEqual([
          401,
          expect.stringContaining('error="invalid_dpop_proof"'),
        ]);
        const token = headers.authorization?.slice("DPoP ".length);
        const asBearer = await get(base, "/api/me", { authorization: `Bearer ${token}` });
        expect([asBearer.status, asBearer.challenge]).toEqual([
          401,
          expect.stringContaining('error="invalid_token"'),
        ]);
      });
    });
  },
);
