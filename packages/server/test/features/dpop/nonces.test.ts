import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DpopNonces } from "../../../src/features/dpop/nonces.js";
import { DpopProofs } from "../../../src/features/dpop/proofs.js";
import { createLogger } from "../../../src/logging/logger.js";
import { loadServerConfig } from "../../../src/main/config.js";
import { memoryFastStore } from "../../../src/storage/fast/memory.js";
import { basic } from "../../helpers/http.js";
import type { TestUser } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer, tempDir } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import {
  authorizationCode,
  codeForm,
  createDpopProof,
  dpopClient,
  generateDpopKey,
  handMadeProof,
  rawRequest,
  tokenRequest,
} from "./helpers.js";

const SECRET = "s".repeat(32);
const WINDOW = 300;

describe("DPoP nonces: an HMAC of the time window, nothing stored (RFC 9449 8)", () => {
  it("a nonce is accepted in its window and the next, refused after; another secret's never", () => {
    const clock = { now: 1_000_000 * WINDOW };
    const nonces = new DpopNonces(SECRET, WINDOW, 5, () => clock.now);
    const issued = nonces.current();
    expect(nonces.accepts(issued)).toBe(true);
    clock.now += WINDOW;
    expect(nonces.accepts(issued)).toBe(true);
    expect(nonces.current()).not.toBe(issued);
    clock.now += WINDOW;
    expect(nonces.accepts(issued)).toBe(false);
    expect(nonces.accepts(undefined)).toBe(false);
    expect(nonces.accepts("")).toBe(false);
    const elsewhere = new DpopNonces("t".repeat(32), WINDOW, 5, () => clock.now);
    expect(nonces.accepts(elsewhere.current())).toBe(false);
  });

  it("two instances sharing the secret accept each other's nonces, even a few seconds apart", () => {
    const at = 1_000_000 * WINDOW - 2;
    const behind = new DpopNonces(SECRET, WINDOW, 5, () => at);
    const ahead = new DpopNonces(SECRET, WINDOW, 5, () => at + 4);
    // `ahead` is already in the next window: `behind` takes its nonce within the tolerance.
    expect(behind.accepts(ahead.current())).toBe(true);
    expect(ahead.accepts(behind.current())).toBe(true);
  });
});

describe("DPoP configuration (features.dpop)", () => {
  const load = (env: NodeJS.ProcessEnv) =>
    loadServerConfig({ env, flags: { dataDir: tempDir() } }).features.dpop as Record<string, unknown>;

  it("defaults: on, no nonces, 300 s windows, proofs up to 60 s old and 5 s ahead; read from the environment", () => {
    expect(load({})).toEqual({
      enabled: true,
      nonce: "off",
      nonceWindow: 300,
      proofMaxAge: 60,
      clockTolerance: 5,
    });
    expect(
      load({ FRONTDESK_FEATURES_DPOP_NONCE: "required", FRONTDESK_FEATURES_DPOP_NONCE_WINDOW: "120" }),
    ).toMatchObject({
      nonce: "required",
      nonceWindow: 120,
    });
  });

  it("names the key and its variable when a value is wrong", () => {
    expect(() => load({ FRONTDESK_FEATURES_DPOP_NONCE: "sometimes" })).toThrow(
      /features\.dpop\.nonce \(env FRONTDESK_FEATURES_DPOP_NONCE/,
    );
    expect(() => load({ FRONTDESK_FEATURES_DPOP_PROOF_MAX_AGE: "3600" })).toThrow(
      /features\.dpop\.proofMaxAge/,
    );
  });
});

describe("DPoP replay cache with an injected clock", () => {
  it("remembers a proof for as long as its iat keeps it acceptable, and no longer than needed", async () => {
    const clock = { now: Math.floor(Date.now() / 1000) };
    const fast = memoryFastStore(() => clock.now * 1000);
    const proofs = new DpopProofs(fast, createLogger("silent"), {
      maxAge: 60,
      clockTolerance: 5,
      now: () => clock.now,
    });
    const key = await generateDpopKey();
    const target = { method: "POST", url: "https://id.example/token" };
    const proof = await handMadeProof(key, target, { claims: { iat: clock.now } });
    const check = () => proofs.check(proof, target, "authorization-server");
    const { jkt, jti } = await check();
    const entry = `${jkt}:${jti}`;
    // The last second the proof is still fresh: still remembered, so a replay.
    clock.now += 60;
    expect(await fast.get("dpop", entry)).toBe("1");
    await expect(check()).rejects.toThrow(/already used/);
    // Past max age plus tolerance the entry is gone, and the proof too old anyway.
    clock.now += 6;
    expect(await fast.get("dpop", entry)).toBeUndefined();
    await expect(check()).rejects.toThrow(/iat/);
  });
});

describe("DPoP nonces required at the token endpoint (use_dpop_nonce)", () => {
  let server: TestServer;
  let person: TestUser;
  let tokenUrl: string;
  beforeAll(async () => {
    server = await startTestServer({ features: { dpop: { nonce: "required", nonceWindow: WINDOW } } });
    person = await makeUser(server.ctx);
    tokenUrl = `${server.issuer}/token`;
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("without a nonce: 400 use_dpop_nonce with a DPoP-Nonce, no token; the code then works with the nonce", async () => {
    const rp = await dpopClient(server);
    const key = await generateDpopKey();
    const { code, verifier } = await authorizationCode(server, rp, person);
    const form = codeForm(rp, code, verifier);
    const asked = await tokenRequest(
      server.issuer,
      form,
      await createDpopProof(key, { method: "POST", url: tokenUrl }),
    );
    expect([asked.status, asked.json?.error]).toEqual([400, "use_dpop_nonce"]);
    expect(asked.json).not.toHaveProperty("access_token");
    const nonce = asked.headers.get("dpop-nonce");
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const proof = await createDpopProof(key, { method: "POST", url: tokenUrl, nonce: nonce as string });
    const granted = await tokenRequest(server.issuer, form, proof);
    expect(granted.status, granted.text).toBe(200);
    expect(granted.json?.token_type).toBe("DPoP");
    expect(granted.headers.get("dpop-nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("a stale nonce, or one made with another secret, is use_dpop_nonce too", async () => {
    const client = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const key = await generateDpopKey();
    const secret = server.ctx.config.keyEncryptionSecret;
    const stale = new DpopNonces(
      secret,
      WINDOW,
      5,
      () => Math.floor(Date.now() / 1000) - 2 * WINDOW,
    ).current();
    const foreign = new DpopNonces("f".repeat(32), WINDOW, 5, () => Math.floor(Date.now() / 1000)).current();
    const current = new DpopNonces(secret, WINDOW, 5, () => Math.floor(Date.now() / 1000)).current();
    const answers = [];
    for (const nonce of [stale, foreign, current]) {
      const proof = await createDpopProof(key, { method: "POST", url: tokenUrl, nonce });
      const auth = { authorization: basic(client.id, client.secret) };
      const answer = await tokenRequest(server.issuer, { grant_type: "client_credentials" }, proof, auth);
      answers.push(answer.json?.error ?? "granted");
    }
    expect(answers).toEqual(["use_dpop_nonce", "use_dpop_nonce", "granted"]);
  });

  it("a browser-based client may send DPoP and read DPoP-Nonce cross-origin (CORS)", async () => {
    const origin = "https://spa.example.test";
    const preflight = await rawRequest(tokenUrl, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "dpop" },
    });
    expect(preflight.headers.get("access-control-allow-headers")).toContain("dpop");
    const rp = await dpopClient(server);
    const form = { grant_type: "refresh_token", refresh_token: "unknown", client_id: rp.id };
    const proof = await createDpopProof(await generateDpopKey(), { method: "POST", url: tokenUrl });
    const asked = await tokenRequest(server.issuer, form, proof, { origin });
    expect(asked.json?.error).toBe("use_dpop_nonce");
    expect(asked.headers.get("access-control-expose-headers")).toContain("dpop-nonce");
  });

  it("a nonce one instance hands out is accepted by the other", async () => {
    const rp = await dpopClient(server);
    const key = await generateDpopKey();
    const [first, second] = server.instanceUrls ?? [server.issuer, server.issuer];
    const { code, verifier } = await authorizationCode(server, rp, person);
    const form = codeForm(rp, code, verifier);
    const asked = await tokenRequest(
      first as string,
      form,
      await createDpopProof(key, { method: "POST", url: tokenUrl }),
    );
    const nonce = asked.headers.get("dpop-nonce") as string;
    const proof = await createDpopProof(key, { method: "POST", url: tokenUrl, nonce });
    const granted = await tokenRequest(second as string, form, proof);
    expect(granted.status, granted.text).toBe(200);
  });
});
