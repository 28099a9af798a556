import { verifyJwt } from "@frontdesk/guard";
import {
  base64url,
  type CryptoKey,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ALGORITHMS,
  attackCases,
  type CorpusCase,
  generatedCases,
} from "../../../guard/test/fixtures/jws-corpus.js";
import { signJwt } from "../../src/tokens/jws-signature.js";

type Outcome = { accepted: true; payload: unknown } | { accepted: false; code: string; claim?: string };

async function outcome(run: () => Promise<{ payload: unknown }>): Promise<Outcome> {
  try {
    return { accepted: true, payload: (await run()).payload };
  } catch (err) {
    const e = err as Error & { code?: string; claim?: string };
    return { accepted: false, code: e.code ?? e.name, ...(e.claim ? { claim: e.claim } : {}) };
  }
}

afterEach(() => vi.restoreAllMocks());

describe("the server's node:crypto verification decides as jose's jwtVerify", () => {
  let cases: CorpusCase[];
  beforeAll(async () => {
    cases = [...(await attackCases()), ...(await generatedCases())];
  });

  it("on every guard attack token and every generated token", async () => {
    const differences = [];
    for (const c of cases) {
      const jose = await outcome(() => jwtVerify(c.token, c.getKey, c.options));
      const ours = await outcome(() => verifyJwt(c.token, c.getKey, c.options));
      if (JSON.stringify(ours) !== JSON.stringify(jose)) differences.push({ case: c.name, jose, ours });
    }
    expect(differences).toEqual([]);
    const accepted = cases.filter((c) => c.name.endsWith(" valid")).map((c) => c.name);
    expect(accepted).toHaveLength(ALGORITHMS.length);
  });
});

/** A private key as the key manager holds it: a JWK imported by jose (not extractable). */
async function serverKey(alg: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg.startsWith("RS") || alg.startsWith("PS") ? { modulusLength: 2048 } : {}),
  });
  const privateKey = (await importJWK(await exportJWK(pair.privateKey), alg)) as CryptoKey;
  return { privateKey, publicKey: pair.publicKey };
}

const claimsOf = (): JWTPayload => ({
  iss: "https://id.example.com",
  sub: "user-1",
  aud: ["https://api.example.com", "https://other.example.com"],
  exp: 1_900_000_600,
  iat: 1_900_000_000,
  jti: "jti-1",
  client_id: "client-1",
  scope: "openid api:read",
  amr: ["pwd", "otp"],
  act: { sub: "service-é✓", act: { sub: "gateway" } },
  cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
  note: 'quotes " and \\ and \u2028',
});

const DETERMINISTIC = new Set(["EdDSA", "Ed25519", "RS256", "RS384", "RS512"]);

describe("signJwt writes what jose's SignJWT writes", () => {
  it.each(ALGORITHMS)("%s: header and payload byte for byte, a signature jose accepts", async (alg) => {
    const { privateKey, publicKey } = await serverKey(alg);
    const header = { alg, typ: "at+jwt", kid: "kid-1" };
    const subtle = vi.spyOn(globalThis.crypto.subtle, "sign");
    const ours = await signJwt(header, claimsOf(), privateKey);
    expect(subtle).not.toHaveBeenCalled(); // node:crypto signed, not jose's WebCrypto call
    const jose = await new SignJWT(claimsOf()).setProtectedHeader(header).sign(privateKey);
    const [oh, op, os] = ours.split(".") as [string, string, string];
    const [jh, jp] = jose.split(".");
    expect(oh).toBe(jh);
    expect(op).toBe(jp);
    expect(os).toMatch(/^[A-Za-z0-9_-]+$/);
    if (DETERMINISTIC.has(alg)) expect(ours).toBe(jose);
    const verified = await compactVerify(ours, publicKey, { algorithms: [alg] });
    expect(new TextDecoder().decode(verified.payload)).toBe(
      new TextDecoder().decode(base64url.decode(jp as string)),
    );
    const { payload, protectedHeader } = await jwtVerify(ours, publicKey, {
      algorithms: [alg],
      typ: "at+jwt",
    });
    expect(payload).toEqual(claimsOf());
    expect(protectedHeader).toEqual(header);
  });

  it("ES256 signatures are IEEE P1363 (64 bytes), as JWS requires, not DER", async () => {
    const { privateKey } = await serverKey("ES256");
    for (let i = 0; i < 20; i++) {
      const token = await signJwt({ alg: "ES256", typ: "at+jwt", kid: "k" }, claimsOf(), privateKey);
      expect(base64url.decode(token.split(".")[2] as string)).toHaveLength(64);
    }
  });

  it("refuses what SignJWT refuses: a non-finite time claim, a key unfit for the algorithm", async () => {
    const { privateKey } = await serverKey("ES256");
    const { privateKey: rsa } = await serverKey("RS256");
    await expect(
      signJwt({ alg: "ES256", typ: "at+jwt" }, { ...claimsOf(), exp: Number.POSITIVE_INFINITY }, privateKey),
    ).rejects.toThrow(TypeError);
    const unfit = await outcome(async () => ({
      payload: await signJwt({ alg: "ES256", typ: "at+jwt" }, claimsOf(), rsa),
    }));
    const joseUnfit = await outcome(async () => ({
      payload: await new SignJWT(claimsOf()).setProtectedHeader({ alg: "ES256", typ: "at+jwt" }).sign(rsa),
    }));
    expect(unfit.accepted).toBe(false);
    expect(unfit).toEqual(joseUnfit);
  });
});
