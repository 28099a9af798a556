// Step-up (RFC 9470) through every adapter, with real tokens from createTestIssuer(): a sign-in that meets
// the route's requirement passes, one that does not gets 401 insufficient_user_authentication with the
// acr_values and max_age a client sends back to /authorize.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as expressAdapter from "../src/adapters/express.js";
import * as fastifyAdapter from "../src/adapters/fastify.js";
import * as honoAdapter from "../src/adapters/hono.js";
import { nodeGuard } from "../src/adapters/node.js";
import {
  type AuthenticationRequirement,
  createVerifier,
  FRONTDESK_ACR,
  type GuardOptions,
  type Verifier,
} from "../src/index.js";
import { createTestIssuer, type TestIssuer, type TokenClaims } from "../src/testing/index.js";
import { parseChallenges } from "./fixtures/challenges.js";
import { get } from "./fixtures/dpop-apps.js";
import { stepUpApps } from "./fixtures/step-up-apps.js";
import { listen } from "./helpers.js";

const { sfa, mfa, phr } = FRONTDESK_ACR;
const PUBLIC_URL = "https://payments.example.com"; // what clients address; the servers listen on 127.0.0.1
const ALGS = "ES256 EdDSA Ed25519 RS256 PS256";
const STEP_UP = "insufficient_user_authentication";
let issuer: TestIssuer;
let verifier: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer();
  verifier = createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    realm: "payments",
    publicUrl: PUBLIC_URL,
  });
});
afterAll(async () => {
  await verifier.close();
  await issuer.close();
});

const now = () => Math.floor(Date.now() / 1000);
/** A person's sign-in as the server records it in access tokens (RFC 9068 2.2.1). */
const signIn = (acr: string, amr: string[], ageSeconds = 0): TokenClaims => ({
  acr,
  amr,
  auth_time: now() - ageSeconds,
});
const bearer = async (claims: TokenClaims) => ({ authorization: `Bearer ${await issuer.token(claims)}` });

describe.each(["node:http", "express", "fastify", "hono"])("%s adapter with step-up", (name) => {
  let base: string;
  let close: () => Promise<void>;
  const call = async (path: string, headers: Record<string, string> = {}) => {
    const res = await get(base, path, headers);
    return { ...res, challenges: res.challenge === undefined ? [] : parseChallenges(res.challenge) };
  };

  beforeAll(async () => {
    const srv = await listen(await (stepUpApps(verifier)[name] as () => Promise<Server>)());
    base = srv.url;
    close = srv.close;
  });
  afterAll(() => close());

  it("accepts a sign-in that meets the route's requirement", async () => {
    const cases: [string, TokenClaims][] = [
      ["/api/payments", signIn(mfa, ["pwd", "otp", "mfa"])],
      ["/api/payments", signIn(phr, ["hwk", "user", "mfa"], 240)], // stronger than required, within max_age
      ["/api/keys", signIn(sfa, ["hwk"])], // the method is there, whatever the level
      ["/admin", { ...signIn(phr, ["hwk", "mfa"]), scope: "admin" }],
    ];
    for (const [path, claims] of cases) {
      const res = await call(path, await bearer({ ...claims, sub: "alice" }));
      expect([path, res.status, res.body]).toEqual([path, 200, { sub: "alice" }]);
    }
  });

  it("answers a weaker sign-in with 401 and the RFC 9470 challenge", async () => {
    const res = await call("/api/payments", await bearer(signIn(sfa, ["pwd"])));
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      `Bearer realm="payments", error="${STEP_UP}", error_description="a stronger sign-in is required", ` +
        `acr_values="${mfa}", max_age="300", DPoP realm="payments", algs="${ALGS}"`,
    );
    expect(res.body).toEqual({ error: STEP_UP, error_description: "a stronger sign-in is required" });
  });

  it("answers a sign-in too old, or without auth_time, with max_age", async () => {
    for (const claims of [signIn(phr, ["hwk", "mfa"], 3600), { acr: phr, amr: ["hwk", "mfa"] }]) {
      const res = await call("/api/payments", await bearer(claims));
      expect(res.status).toBe(401);
      expect(res.challenges[0]).toEqual({
        scheme: "Bearer",
        params: {
          realm: "payments",
          error: STEP_UP,
          error_description: "a more recent sign-in is required",
          acr_values: mfa,
          max_age: "300",
        },
      });
    }
  });

  it("names missing methods in the description, RFC 9470 having no amr parameter", async () => {
    for (const claims of [signIn(phr, ["pwd", "otp", "mfa"]), { acr: phr }]) {
      const res = await call("/api/keys", await bearer(claims));
      expect([res.status, res.body]).toEqual([
        401,
        { error: STEP_UP, error_description: "sign-in methods required: hwk" },
      ]);
      expect(res.challenges[0]?.params).toEqual({
        realm: "payments",
        error: STEP_UP,
        error_description: "sign-in methods required: hwk",
      });
    }
  });

  it("checks a guard's own authentication option after its scopes", async () => {
    const noScope = await call("/admin", await bearer({ ...signIn(sfa, ["pwd"]), scope: "profile" }));
    expect([noScope.status, noScope.body.error]).toEqual([403, "insufficient_scope"]);
    const weak = await call("/admin", await bearer({ ...signIn(mfa, ["pwd", "otp"]), scope: "admin" }));
    expect([weak.status, weak.body.error, weak.challenges[0]?.params.acr_values]).toEqual([
      401,
      STEP_UP,
      phr,
    ]);
    expect(weak.challenges[0]?.params.max_age).toBeUndefined();
  });

  it("keeps the DPoP scheme in the challenge for a DPoP-bound token", async () => {
    const path = "/api/payments";
    const weak = await issuer.dpopToken(signIn(sfa, ["pwd"]));
    const res = await call(path, await weak.headers("GET", `${PUBLIC_URL}${path}`));
    expect(res.status).toBe(401);
    expect(res.challenges).toEqual([
      { scheme: "Bearer", params: { realm: "payments" } },
      {
        scheme: "DPoP",
        params: {
          realm: "payments",
          algs: ALGS,
          error: STEP_UP,
          error_description: "a stronger sign-in is required",
          acr_values: mfa,
          max_age: "300",
        },
      },
    ]);
    const strong = await issuer.dpopToken({ ...signIn(phr, ["hwk", "mfa"]), sub: "bob" });
    const ok = await call(path, await strong.headers("GET", `${PUBLIC_URL}${path}`));
    expect([ok.status, ok.body]).toEqual([200, { sub: "bob" }]);
  });

  it("still answers a missing or bad token with invalid_token, not a step-up", async () => {
    const none = await call("/api/payments");
    expect([none.status, none.challenge]).toEqual([
      401,
      `Bearer realm="payments", DPoP realm="payments", algs="${ALGS}"`,
    ]);
    const expired = await call("/api/payments", {
      authorization: `Bearer ${await issuer.expiredToken(signIn(phr, ["hwk"]))}`,
    });
    expect([expired.status, expired.body.error]).toEqual([401, "invalid_token"]);
  });
});

describe("adapters and a malformed authentication requirement", () => {
  const malformed: unknown[] = [{ acr: mfa }, { acr: [] }, { maxAge: -1 }, { max_age: 300 }, null];

  it("refuse it when the guard or the step is made, as a TypeError", () => {
    for (const requirement of malformed) {
      const options = { authentication: requirement } as GuardOptions;
      const asStep = requirement as AuthenticationRequirement;
      const label = JSON.stringify(requirement);
      expect(() => nodeGuard(verifier, options), label).toThrow(TypeError);
      expect(() => expressAdapter.expressGuard(verifier, options), label).toThrow(TypeError);
      expect(() => fastifyAdapter.fastifyGuard(verifier, options), label).toThrow(TypeError);
      expect(() => honoAdapter.honoGuard(verifier, options), label).toThrow(TypeError);
      expect(() => nodeGuard(verifier).requireAuthentication(asStep), label).toThrow(TypeError);
      expect(() => expressAdapter.requireAuthentication(asStep), label).toThrow(TypeError);
      expect(() => fastifyAdapter.requireAuthentication(asStep), label).toThrow(TypeError);
      expect(() => honoAdapter.requireAuthentication(asStep), label).toThrow(TypeError);
    }
  });
});
