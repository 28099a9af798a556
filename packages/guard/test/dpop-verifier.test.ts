import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTVerifyGetKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenHash, createDpopProof, type DpopKey, generateDpopKey } from "../src/dpop/index.js";
import {
  createVerifier,
  type DpopReplayCache,
  GuardError,
  MemoryDpopReplayCache,
  RevocationSet,
  type Verifier,
  type VerifyOptions,
} from "../src/index.js";
import { cnfOf, makeKey, mint, nowSeconds, proofWith, type SigningKey } from "./helpers.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "https://api.test";
const PUBLIC_URL = "https://api.test";
const ALGS = 'algs="ES256 EdDSA Ed25519 RS256 PS256"';

let key: SigningKey;
let holder: DpopKey;

/** A replay cache that records what was asked of it, so a test sees that a refusal changed nothing. */
function countingCache(): DpopReplayCache & { used: string[] } {
  const inner = new MemoryDpopReplayCache();
  const used: string[] = [];
  return {
    used,
    async markUsed(jkt, jti, ttl) {
      used.push(jti);
      return inner.markUsed(jkt, jti, ttl);
    },
  };
}

function dpopVerifier(replayCache: DpopReplayCache = new MemoryDpopReplayCache(), extra = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    realm: "api",
    publicUrl: PUBLIC_URL,
    dpop: { replayCache },
    ...extra,
  });
}

const boundToken = async (k: DpopKey = holder, claims: Record<string, unknown> = {}) =>
  mint(key, ISSUER, { cnf: await cnfOf(k), ...claims });

/** A valid proof for `GET https://api.test/orders` and `token`; `claims` override. */
const proofFor = (token: string, claims: Record<string, unknown> = {}, k: DpopKey = holder) =>
  createDpopProof(k, { method: "GET", url: `${PUBLIC_URL}/orders`, accessToken: token, ...claims });

const withDpop = (proof: string | string[] | undefined, path = "/orders", method = "GET"): VerifyOptions => ({
  dpop: { proof, method, path },
});

async function refusal(p: Promise<unknown>): Promise<GuardError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the request was accepted").toBeInstanceOf(GuardError);
  return err as GuardError;
}

beforeAll(async () => {
  key = await makeKey();
  holder = await generateDpopKey();
});

describe("DPoP-bound tokens at the verifier (RFC 9449 section 7.1)", () => {
  it.each(["ES256", "EdDSA", "Ed25519", "RS256", "PS256"])(
    "accepts a token bound to a %s key with a proof of that key",
    async (alg) => {
      const k = await generateDpopKey(alg);
      const token = await boundToken(k);
      const verifier = dpopVerifier();
      const claims = await verifier.verify(token, withDpop(await proofFor(token, {}, k)));
      expect(claims.cnf).toEqual(await cnfOf(k));
    },
  );

  it("takes htu from publicUrl + the request's path: query ignored, normalised, never the URL's host", async () => {
    const verifier = dpopVerifier();
    const token = await boundToken();
    const proof = await proofWith(holder, {
      htm: "GET",
      htu: "HTTPS://API.test:443/orders",
      ath: undefined,
    });
    // ath is required with an access token: the same proof with ath verifies.
    expect((await refusal(verifier.verify(token, withDpop(proof)))).reason).toBe("dpop_ath_mismatch");
    const normalised = await proofWith(holder, {
      htm: "GET",
      htu: "HTTPS://API.test:443/orders",
      ath: accessTokenHash(token),
    });
    await expect(verifier.verify(token, withDpop(normalised, "/orders?page=2"))).resolves.toBeTruthy();
    // An absolute-form request target contributes its path only.
    await expect(
      verifier.verify(token, withDpop(await proofFor(token), "http://evil.test/orders")),
    ).resolves.toBeTruthy();
    const mounted = dpopVerifier(undefined, { publicUrl: "https://gw.test/orders-api/" });
    const viaGateway = await createDpopProof(holder, {
      method: "GET",
      url: "https://gw.test/orders-api/orders",
      accessToken: token,
    });
    await expect(mounted.verify(token, withDpop(viaGateway))).resolves.toBeTruthy();
  });

  it("proof replay: the same proof twice is refused, a fresh one is accepted", async () => {
    const verifier = dpopVerifier();
    const token = await boundToken();
    const proof = await proofFor(token);
    await verifier.verify(token, withDpop(proof));
    const err = await refusal(verifier.verify(token, withDpop(proof)));
    expect(err).toMatchObject({ code: "invalid_dpop_proof", status: 401, reason: "dpop_proof_replayed" });
    expect(err.wwwAuthenticate).toBe(
      `DPoP realm="api", ${ALGS}, error="invalid_dpop_proof", error_description="DPoP proof replayed"`,
    );
    await expect(verifier.verify(token, withDpop(await proofFor(token)))).resolves.toBeTruthy();
  });

  it("refuses each bad request with its reason, and records nothing for it", async () => {
    const cache = countingCache();
    const verifier = dpopVerifier(cache);
    const token = await boundToken();
    const other = await generateDpopKey();
    const unbound = await mint(key, ISSUER);
    const privateJwk = await exportJWK((await generateKeyPair("ES256", { extractable: true })).privateKey);
    const at = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      proofWith(holder, { htm: "GET", htu: `${PUBLIC_URL}/orders`, ...claims }, header);
    const ath = accessTokenHash(token);
    const cases: [string, () => Promise<unknown>, string, string][] = [
      [
        "wrong htu (path)",
        async () => verifier.verify(token, withDpop(await proofFor(token), "/other")),
        "invalid_dpop_proof",
        "dpop_htu_mismatch",
      ],
      [
        "wrong htu (host)",
        async () => verifier.verify(token, withDpop(await at({ ath, htu: "https://evil.test/orders" }))),
        "invalid_dpop_proof",
        "dpop_htu_mismatch",
      ],
      [
        "wrong htm",
        async () => verifier.verify(token, withDpop(await proofFor(token), "/orders", "POST")),
        "invalid_dpop_proof",
        "dpop_htm_mismatch",
      ],
      [
        "wrong ath",
        async () => verifier.verify(token, withDpop(await proofFor(unbound))),
        "invalid_dpop_proof",
        "dpop_ath_mismatch",
      ],
      [
        "stale iat",
        async () => verifier.verify(token, withDpop(await at({ ath, iat: nowSeconds() - 61 }))),
        "invalid_dpop_proof",
        "dpop_iat_out_of_window",
      ],
      [
        "future iat",
        async () => verifier.verify(token, withDpop(await at({ ath, iat: nowSeconds() + 30 }))),
        "invalid_dpop_proof",
        "dpop_iat_out_of_window",
      ],
      [
        "private key in jwk",
        async () => verifier.verify(token, withDpop(await at({ ath }, { jwk: privateJwk }))),
        "invalid_dpop_proof",
        "dpop_jwk_private",
      ],
      [
        "signature of another key",
        async () => verifier.verify(token, withDpop(await at({ ath }, { jwk: other.publicJwk }))),
        "invalid_dpop_proof",
        "dpop_signature_invalid",
      ],
      [
        "typ not dpop+jwt",
        async () => verifier.verify(token, withDpop(await at({ ath }, { typ: "JWT" }))),
        "invalid_dpop_proof",
        "dpop_typ_invalid",
      ],
      [
        "proof of a key other than cnf.jkt",
        async () => verifier.verify(token, withDpop(await proofFor(token, {}, other))),
        "invalid_token",
        "dpop_key_mismatch",
      ],
      ["bound token as Bearer", async () => verifier.verify(token), "invalid_token", "dpop_bound"],
      [
        "DPoP with a token without cnf",
        async () => verifier.verify(unbound, withDpop(await proofFor(unbound))),
        "invalid_token",
        "dpop_not_bound",
      ],
      [
        "missing proof",
        async () => verifier.verify(token, withDpop(undefined)),
        "invalid_dpop_proof",
        "dpop_proof_missing",
      ],
      [
        "two DPoP headers",
        async () => verifier.verify(token, withDpop([await proofFor(token), await proofFor(token)])),
        "invalid_dpop_proof",
        "dpop_proof_multiple",
      ],
      [
        "two proofs in one header",
        async () => verifier.verify(token, withDpop(`${await proofFor(token)}, ${await proofFor(token)}`)),
        "invalid_dpop_proof",
        "dpop_proof_multiple",
      ],
      [
        "plain bearer on a requireDpop route",
        async () => verifier.verify(unbound, { requireDpop: true }),
        "invalid_token",
        "dpop_required",
      ],
      [
        "a valid proof with a forged token",
        async () => verifier.verify(`${token.slice(0, -4)}AAAA`, withDpop(await proofFor(token))),
        "invalid_token",
        "signature_invalid",
      ],
    ];
    for (const [name, attempt, code, reason] of cases) {
      const err = await refusal(attempt());
      expect([name, err.code, err.reason]).toEqual([name, code, reason]);
      // The error is on the DPoP challenge; DPoP errors offer nothing else.
      const challenge = new RegExp(
        `^${reason.startsWith("dpop_") ? "" : 'Bearer realm="api", '}DPoP realm="api", ${ALGS}, error="${code}"`,
      );
      expect([name, err.wwwAuthenticate]).toEqual([name, expect.stringMatching(challenge)]);
    }
    expect(cache.used).toEqual([]);
    await expect(verifier.verify(token, withDpop(await proofFor(token)))).resolves.toBeTruthy();
    expect(cache.used).toHaveLength(1);
  });

  it("records nothing for a proof refused before its signature was checked, or with its request", async () => {
    const verifier = dpopVerifier();
    const revoked = new RevocationSet();
    const revoking = dpopVerifier(undefined, { revocations: revoked });
    const token = await boundToken(holder, { jti: "t-revoked" });
    const claims = {
      jti: "reused-jti",
      htm: "GET",
      htu: `${PUBLIC_URL}/orders`,
      ath: accessTokenHash(token),
    };
    // Refused before the signature check (typ), after it (htm), and for the request (scope, revocation):
    await refusal(verifier.verify(token, withDpop(await proofWith(holder, claims, { typ: "jwt" }))));
    await refusal(verifier.verify(token, withDpop(await proofWith(holder, { ...claims, htm: "PUT" }))));
    const valid = await proofWith(holder, claims);
    expect((await refusal(verifier.verify(token, { ...withDpop(valid), scopes: ["admin"] }))).code).toBe(
      "insufficient_scope",
    );
    revoked.add({ type: "jti", value: "t-revoked", expires_at: nowSeconds() + 600 });
    expect((await refusal(revoking.verify(token, withDpop(valid)))).reason).toBe("token_revoked");
    revoked.close();
    // ... so the same jti, in a valid proof, is still accepted once.
    await expect(verifier.verify(token, withDpop(valid))).resolves.toBeTruthy();
    expect((await refusal(verifier.verify(token, withDpop(valid)))).reason).toBe("dpop_proof_replayed");
  });

  it("the verified-token cache never lets a bound token skip its proof", async () => {
    const local = createLocalJWKSet({ keys: [key.jwk] });
    let signatureChecks = 0;
    const jwks: JWTVerifyGetKey = (header, token) => {
      signatureChecks += 1;
      return local(header, token);
    };
    const verifier = dpopVerifier(undefined, { jwks });
    const token = await boundToken();
    const proof = await proofFor(token);
    await verifier.verify(token, withDpop(proof));
    expect((await refusal(verifier.verify(token))).reason).toBe("dpop_bound");
    expect((await refusal(verifier.verify(token, withDpop(proof)))).reason).toBe("dpop_proof_replayed");
    expect((await refusal(verifier.verify(token, withDpop(undefined)))).reason).toBe("dpop_proof_missing");
    await expect(verifier.verify(token, withDpop(await proofFor(token)))).resolves.toBeTruthy();
    expect(signatureChecks).toBe(1); // the token's signature was remembered; its proofs were checked each time
  });

  it("insufficient scope with DPoP: 403 on the DPoP challenge", async () => {
    const verifier = dpopVerifier();
    const token = await boundToken();
    const err = await refusal(
      verifier.verify(token, { ...withDpop(await proofFor(token)), scopes: ["orders:write"] }),
    );
    expect(err.status).toBe(403);
    expect(err.wwwAuthenticate).toBe(
      `Bearer realm="api", DPoP realm="api", ${ALGS}, error="insufficient_scope", ` +
        'error_description="the token does not grant the required scope", scope="orders:write"',
    );
  });

  it("a bearer token keeps working next to DPoP, and its errors name Bearer and offer DPoP", async () => {
    const verifier = dpopVerifier();
    await expect(verifier.verify(await mint(key, ISSUER))).resolves.toBeTruthy();
    const err = await refusal(verifier.verify(await mint(key, ISSUER, { exp: nowSeconds() - 60 })));
    expect(err.wwwAuthenticate).toBe(
      `Bearer realm="api", error="invalid_token", error_description="token expired", DPoP realm="api", ${ALGS}`,
    );
  });

  it("fails closed (503) when the replay cache cannot answer, full or unreachable", async () => {
    const token = await boundToken();
    const full = new MemoryDpopReplayCache({ maxEntries: 1 });
    const verifier = dpopVerifier(full);
    await verifier.verify(token, withDpop(await proofFor(token)));
    const err = await refusal(verifier.verify(token, withDpop(await proofFor(token))));
    expect(err).toMatchObject({
      code: "temporarily_unavailable",
      status: 503,
      reason: "dpop_replay_unavailable",
    });
    const down = dpopVerifier({ markUsed: () => Promise.reject(new Error("ECONNREFUSED")) });
    expect((await refusal(down.verify(token, withDpop(await proofFor(token))))).status).toBe(503);
  });

  it("records a proof until its iat window is over (maxAgeSeconds + clockTolerance after iat)", async () => {
    const ttls: number[] = [];
    const verifier = dpopVerifier({
      markUsed: async (_jkt, _jti, ttl) => {
        ttls.push(ttl);
        return true;
      },
    });
    const token = await boundToken();
    const proof = await proofWith(holder, {
      htm: "GET",
      htu: `${PUBLIC_URL}/orders`,
      ath: accessTokenHash(token),
      iat: nowSeconds() - 50,
    });
    await verifier.verify(token, withDpop(proof));
    expect(ttls[0]).toBeGreaterThan(13_000);
    expect(ttls[0]).toBeLessThanOrEqual(15_000);
  });
});

describe("a verifier without publicUrl", () => {
  let verifier: Verifier;
  beforeAll(() => {
    verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      realm: "api",
    });
  });

  it("refuses DPoP-bound tokens, saying why, and offers Bearer only", async () => {
    const token = await boundToken();
    const asBearer = await refusal(verifier.verify(token));
    expect(asBearer).toMatchObject({ code: "invalid_token", reason: "dpop_bound" });
    expect(asBearer.description).toContain("no publicUrl configured");
    expect(asBearer.wwwAuthenticate).toMatch(/^Bearer realm="api", error="invalid_token"/);
    const asDpop = await refusal(verifier.verify(token, withDpop(await proofFor(token))));
    expect(asDpop).toMatchObject({ code: "invalid_token", reason: "dpop_not_configured" });
    expect(asDpop.description).toBe("DPoP is not accepted here: the verifier has no publicUrl configured");
    expect(asDpop.wwwAuthenticate).not.toContain("DPoP realm");
  });

  it("is refused at start-up for DPoP options it cannot honour", () => {
    const base = { issuer: ISSUER, audience: AUDIENCE };
    expect(() => createVerifier({ ...base, dpop: {} })).toThrow("dpop needs publicUrl");
    for (const publicUrl of ["api.test", "ftp://api.test", "https://api.test/?x=1", "https://u:p@api.test"])
      expect(() => createVerifier({ ...base, publicUrl })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, publicUrl: PUBLIC_URL, dpop: { algorithms: ["HS256"] } })).toThrow(
      TypeError,
    );
    expect(() => createVerifier({ ...base, publicUrl: PUBLIC_URL, dpop: { algorithms: [] } })).toThrow(
      TypeError,
    );
    expect(() => createVerifier({ ...base, publicUrl: PUBLIC_URL, dpop: { maxAgeSeconds: 0 } })).toThrow(
      TypeError,
    );
    const config = createVerifier({ ...base, publicUrl: `${PUBLIC_URL}/` }).config;
    expect(config.publicUrl).toBe(PUBLIC_URL);
    expect(config.dpop?.algorithms).toEqual(["ES256", "EdDSA", "Ed25519", "RS256", "PS256"]);
    expect(config.dpop?.replayCache).toBeInstanceOf(MemoryDpopReplayCache);
  });
});
