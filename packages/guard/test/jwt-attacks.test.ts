import { base64url, CompactSign, exportSPKI, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createVerifier, GuardError, type GuardErrorReason, type Verifier } from "../src/index.js";
import { listen, makeKey, mint, nowSeconds, type SigningKey, startIssuer } from "./helpers.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "https://api.test";

let key: SigningKey;
let attacker: SigningKey;
let verifier: Verifier;

beforeAll(async () => {
  key = await makeKey("k1");
  attacker = await makeKey("k1"); // same kid, different key
  verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });
});

async function expectRefused(token: string, reason: GuardErrorReason, v: Verifier = verifier): Promise<void> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "token was accepted").toBeInstanceOf(GuardError);
  expect(err).toMatchObject({ code: "invalid_token", status: 401, reason });
  expect((err as GuardError).wwwAuthenticate).toMatch(
    /^Bearer realm="https:\/\/api\.test", error="invalid_token"/,
  );
}

const b64json = (value: unknown) => base64url.encode(JSON.stringify(value));
const validClaims = () => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: "u",
  iat: nowSeconds(),
  exp: nowSeconds() + 600,
});

describe("control", () => {
  it("accepts a well-formed token signed by the issuer key", async () => {
    const claims = await verifier.verify(await mint(key, ISSUER));
    expect(claims).toMatchObject({ iss: ISSUER, sub: "user-1" });
  });

  it("accepts typ application/at+jwt", async () => {
    await expect(
      verifier.verify(await mint(key, ISSUER, {}, { typ: "application/at+jwt" })),
    ).resolves.toBeTruthy();
  });
});

describe("algorithm attacks", () => {
  it.each(["none", "NONE", "nOnE"])("alg %s (unsigned token) is refused", async (alg) => {
    const unsigned = `${b64json({ alg, typ: "at+jwt", kid: "k1" })}.${b64json(validClaims())}.`;
    await expectRefused(unsigned, "alg_not_allowed");
    const withJunkSignature = `${unsigned}${base64url.encode("junk")}`;
    await expectRefused(withJunkSignature, "alg_not_allowed");
  });

  it("HS256 signed with the public key as PEM/SPKI secret is refused (key confusion)", async () => {
    const pem = await exportSPKI(key.publicKey);
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "k1" })
      .sign(new TextEncoder().encode(pem));
    await expectRefused(token, "alg_not_allowed");
  });

  it("HS256 signed with the public JWK JSON as secret is refused (key confusion)", async () => {
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "k1" })
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    await expectRefused(token, "alg_not_allowed");
  });

  it("ES256 alg not in a pinned list is refused even though the key would verify it", async () => {
    const pinned = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["EdDSA"],
      jwks: { keys: [key.jwk] },
    });
    await expectRefused(await mint(key, ISSUER), "alg_not_allowed", pinned);
  });

  it("configuring a symmetric or none algorithm is refused at start-up", () => {
    for (const alg of ["HS256", "none"]) {
      expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] })).toThrow(
        TypeError,
      );
    }
  });
});

describe("key selection attacks", () => {
  it("a token signed by an unknown key with a known kid is refused", async () => {
    await expectRefused(await mint(attacker, ISSUER), "signature_invalid");
  });

  it.each(["../../../../dev/null", "' OR 1=1 --", "k1\u0000", "/etc/passwd"])(
    "kid %j is refused",
    async (kid) => {
      await expectRefused(await mint(key, ISSUER, {}, { kid }), "unknown_key");
    },
  );

  it("jku / x5u / embedded jwk headers are never used or fetched", async () => {
    let hits = 0;
    const evil = await listen((_req, res) => {
      hits++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [attacker.jwk] }));
    });
    const issuer = await startIssuer({ keys: [key.jwk] });
    try {
      const remote = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE });
      const header = { jku: `${evil.url}/jwks.json`, x5u: `${evil.url}/cert.pem`, jwk: attacker.jwk };
      for (const v of [verifier, remote]) {
        const iss = v === remote ? issuer.issuer : ISSUER;
        await expectRefused(await mint(attacker, iss, {}, header), "signature_invalid", v);
        await expectRefused(await mint(attacker, iss, {}, { ...header, kid: "evil" }), "unknown_key", v);
        await expectRefused(
          await mint(attacker, iss, {}, { ...header, kid: undefined }),
          "signature_invalid",
          v,
        );
      }
      expect(issuer.state.hits.jwks).toBeGreaterThan(0); // the remote verifier did use its own JWKS
      expect(hits).toBe(0);
    } finally {
      await evil.close();
      await issuer.close();
    }
  });
});

describe("signature attacks", () => {
  it("an ECDSA signature of zeros (r = s = 0) is refused", async () => {
    const [h, p] = (await mint(key, ISSUER)).split(".");
    await expectRefused(`${h}.${p}.${base64url.encode(new Uint8Array(64))}`, "signature_invalid");
  });

  it("a tampered payload with the original signature is refused", async () => {
    const [h, p, s] = (await mint(key, ISSUER)).split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p as string)));
    const forged = b64json({ ...claims, sub: "admin", scope: "admin" });
    await expectRefused(`${h}.${forged}.${s}`, "signature_invalid");
  });

  it("an unknown crit extension is refused", async () => {
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1", crit: ["urn:x-ext"], "urn:x-ext": 1 })
      .sign(key.privateKey, { crit: { "urn:x-ext": true } });
    await expectRefused(token, "crit_not_supported");
  });
});

describe("claim attacks", () => {
  it("an expired token is refused", async () => {
    await expectRefused(
      await mint(key, ISSUER, { iat: nowSeconds() - 700, exp: nowSeconds() - 60 }),
      "token_expired",
    );
  });

  it("a token not yet valid (nbf in the future) is refused", async () => {
    await expectRefused(await mint(key, ISSUER, { nbf: nowSeconds() + 120 }), "claim_invalid");
  });

  it("a token issued in the future (iat) is refused", async () => {
    await expectRefused(await mint(key, ISSUER, { iat: nowSeconds() + 3600 }), "claim_invalid");
  });

  it("a wrong issuer is refused", async () => {
    await expectRefused(await mint(key, "https://evil.test"), "claim_invalid");
  });

  it("a wrong audience is refused", async () => {
    await expectRefused(await mint(key, ISSUER, { aud: "https://other-api.test" }), "claim_invalid");
    await expectRefused(
      await mint(key, ISSUER, { aud: ["https://a.test", "https://b.test"] }),
      "claim_invalid",
    );
  });

  it.each([
    ["JWT", "JWT"],
    ["missing", undefined],
    ["application/jwt", "application/jwt"],
  ])("typ %s is refused", async (_name, typ) => {
    await expectRefused(await mint(key, ISSUER, {}, { typ }), "typ_invalid");
  });

  it("a DPoP-bound token (cnf.jkt) presented as a bearer token is refused", async () => {
    await expectRefused(
      await mint(key, ISSUER, { cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } }),
      "dpop_bound",
    );
  });

  it("a token without exp is refused", async () => {
    await expectRefused(await mint(key, ISSUER, { exp: undefined }), "claim_invalid");
  });
});

describe("parsing attacks", () => {
  it("an oversized token is refused before parsing (and only because of its size)", async () => {
    const big = await mint(key, ISSUER, { padding: "x".repeat(9000) });
    expect(big.length).toBeGreaterThan(8192);
    await expectRefused(big, "token_too_large");
    const lenient = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      maxTokenLength: 20_000,
    });
    await expect(lenient.verify(big)).resolves.toBeTruthy();
  });

  it.each([
    ["empty", ""],
    ["one segment", "abc"],
    ["two segments", "abc.def"],
    ["four segments", "a.b.c.d"],
    ["non-base64url characters", "ey!!.ey$$.sig"],
    ["header not JSON", `${base64url.encode("not json")}.${b64json(validClaims())}.sig`],
    ["header JSON array", `${b64json(["ES256"])}.${b64json(validClaims())}.sig`],
    ["whitespace inside", "eyJh bGc.eyJ.sig"],
  ])("malformed token (%s) is refused", async (_name, token) => {
    await expectRefused(token, "malformed_token");
  });

  it("a signed token whose payload is not JSON is refused", async () => {
    const token = await new CompactSign(new TextEncoder().encode("not json"))
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1" })
      .sign(key.privateKey);
    await expectRefused(token, "malformed_token");
  });
});
