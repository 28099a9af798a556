import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as expressAdapter from "../src/adapters/express.js";
import * as fastifyAdapter from "../src/adapters/fastify.js";
import * as honoAdapter from "../src/adapters/hono.js";
import { nodeGuard } from "../src/adapters/node.js";
import { createDpopProof, type DpopKey, generateDpopKey } from "../src/dpop/index.js";
import { createVerifier, type Verifier } from "../src/index.js";
import { dpopApps, get } from "./fixtures/dpop-apps.js";
import { cnfOf, listen, makeKey, mint, type SigningKey } from "./helpers.js";

const ISSUER = "https://issuer.test";
const PUBLIC_URL = "https://api.test"; // what clients address; the test servers listen on 127.0.0.1
const ALGS = 'algs="ES256 EdDSA Ed25519 RS256 PS256"';
let key: SigningKey;
let holder: DpopKey;
let verifier: Verifier;

beforeAll(async () => {
  key = await makeKey();
  holder = await generateDpopKey();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: "https://api.test",
    jwks: { keys: [key.jwk] },
    realm: "api",
    publicUrl: PUBLIC_URL,
  });
});

const apps = () => dpopApps(verifier);

describe.each(["node:http", "express", "fastify", "hono"])("%s adapter with DPoP", (name) => {
  let base: string;
  let close: () => Promise<void>;
  let bound: string;
  let bearer: string;
  const proof = (path: string, token = bound, url = `${PUBLIC_URL}${path}`) =>
    createDpopProof(holder, { method: "GET", url, accessToken: token });
  const dpop = async (path: string, token = bound) => ({
    authorization: `DPoP ${token}`,
    dpop: await proof(path, token),
  });

  beforeAll(async () => {
    const srv = await listen(await (apps()[name] as () => Promise<Server>)());
    base = srv.url;
    close = srv.close;
    bound = await mint(key, ISSUER, { sub: "holder", cnf: await cnfOf(holder) });
    bearer = await mint(key, ISSUER, { sub: "bearer" });
  });
  afterAll(() => close());

  it("accepts a DPoP-bound token with its proof (htu from publicUrl, not the Host it was sent to)", async () => {
    for (const path of ["/api/me", "/api/pay", "/only-dpop"]) {
      const res = await get(base, path, await dpop(path));
      expect([path, res.status, res.body]).toEqual([path, 200, { sub: "holder" }]);
    }
    const scheme = await get(base, "/api/me", { ...(await dpop("/api/me")), authorization: `dpop ${bound}` });
    expect(scheme.status).toBe(200);
  });

  it("refuses a replayed proof with invalid_dpop_proof and a DPoP challenge", async () => {
    const headers = await dpop("/api/me");
    expect((await get(base, "/api/me", headers)).status).toBe(200);
    const replay = await get(base, "/api/me", headers);
    expect(replay.status).toBe(401);
    expect(replay.challenge).toBe(
      `DPoP realm="api", ${ALGS}, error="invalid_dpop_proof", error_description="DPoP proof replayed"`,
    );
    expect(replay.body).toEqual({ error: "invalid_dpop_proof", error_description: "DPoP proof replayed" });
  });

  it("refuses a proof for the Host the request reached, or for a forwarded host", async () => {
    const direct = await get(base, "/api/me", {
      authorization: `DPoP ${bound}`,
      dpop: await proof("/api/me", bound, `${base}/api/me`),
    });
    expect([direct.status, direct.body.error]).toEqual([401, "invalid_dpop_proof"]);
    const forwarded = await get(base, "/api/me", {
      authorization: `DPoP ${bound}`,
      dpop: await proof("/api/me", bound, "https://evil.test/api/me"),
      "x-forwarded-host": "evil.test",
      "x-forwarded-proto": "https",
    });
    expect([forwarded.status, forwarded.body.error]).toEqual([401, "invalid_dpop_proof"]);
  });

  it("refuses two DPoP headers, and a missing proof", async () => {
    const two = await get(base, "/api/me", {
      authorization: `DPoP ${bound}`,
      dpop: [await proof("/api/me"), await proof("/api/me")],
    });
    expect([two.status, two.body.error]).toEqual([401, "invalid_dpop_proof"]);
    const none = await get(base, "/api/me", { authorization: `DPoP ${bound}` });
    expect([none.status, none.body.error]).toEqual([401, "invalid_dpop_proof"]);
  });

  it("refuses a bound token presented as Bearer (invalid_token, DPoP challenge)", async () => {
    const res = await get(base, "/api/me", { authorization: `Bearer ${bound}` });
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(new RegExp(`^DPoP realm="api", ${ALGS}, error="invalid_token"`));
  });

  it("refuses Authorization: DPoP with a token that has no cnf", async () => {
    const res = await get(base, "/api/me", await dpop("/api/me", bearer));
    expect([res.status, res.body.error]).toEqual([401, "invalid_token"]);
  });

  it("offers Bearer and DPoP to a request without credentials; DPoP only on a requireDpop guard", async () => {
    expect((await get(base, "/api/me")).challenge).toBe(`Bearer realm="api", DPoP realm="api", ${ALGS}`);
    expect((await get(base, "/only-dpop")).challenge).toBe(`DPoP realm="api", ${ALGS}`);
  });

  it("refuses a plain bearer token where DPoP is required, and accepts it elsewhere", async () => {
    expect((await get(base, "/api/me", { authorization: `Bearer ${bearer}` })).status).toBe(200);
    for (const path of ["/api/pay", "/only-dpop"]) {
      const res = await get(base, path, { authorization: `Bearer ${bearer}` });
      expect([path, res.status, res.body.error]).toEqual([path, 401, "invalid_token"]);
      expect(res.challenge).toMatch(new RegExp(`^DPoP realm="api", ${ALGS}, error="invalid_token"`));
    }
  });

  it("still refuses a token in the query string with the DPoP scheme", async () => {
    const res = await get(base, `/api/me?access_token=${bound}`, await dpop("/api/me"));
    expect(res.status).toBe(400);
  });
});

describe("adapters and requireDpop", () => {
  it("refuse requireDpop on a verifier without publicUrl at start-up", () => {
    const plain = createVerifier({ issuer: ISSUER, audience: "https://api.test", jwks: { keys: [] } });
    expect(() => nodeGuard(plain, { requireDpop: true })).toThrow("requireDpop needs a verifier");
    expect(() => nodeGuard(plain).requireDpop()).toThrow(TypeError);
    expect(() => expressAdapter.expressGuard(plain, { requireDpop: true })).toThrow(TypeError);
    expect(() => fastifyAdapter.fastifyGuard(plain, { requireDpop: true })).toThrow(TypeError);
    expect(() => honoAdapter.honoGuard(plain, { requireDpop: true })).toThrow(TypeError);
  });
});
