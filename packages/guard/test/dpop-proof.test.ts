import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  accessTokenHash,
  createDpopProof,
  DpopProofError,
  type DpopProofReason,
  generateDpopKey,
  normalizeHtu,
  verifyDpopProof,
} from "../src/dpop/index.js";
import { isCanonicalCompactJws } from "../src/index.js";
import { proofWith } from "./helpers.js";

const URL_ = "https://id.example.com/token";
const now = () => Math.floor(Date.now() / 1000);

async function refusal(
  proof: string | undefined,
  extra: Partial<Parameters<typeof verifyDpopProof>[1]> = {},
) {
  const error = await verifyDpopProof(proof, { method: "POST", url: URL_, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DpopProofError);
  return (error as DpopProofError).reason;
}

describe("verifyDpopProof (RFC 9449 section 4.3)", () => {
  it.each(["ES256", "EdDSA", "Ed25519", "RS256", "PS256"])(
    "accepts a %s proof and returns the key's RFC 7638 thumbprint",
    async (alg) => {
      const key = await generateDpopKey(alg);
      const proof = await createDpopProof(key, { method: "POST", url: `${URL_}?ignored=1#frag` });
      const verified = await verifyDpopProof(proof, { method: "POST", url: URL_ });
      const { calculateJwkThumbprint } = await import("jose");
      expect(verified.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, "sha256"));
      expect(verified.jti).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it("checks ath against the access token at a resource, and returns the nonce it carried", async () => {
    const key = await generateDpopKey();
    const proof = await createDpopProof(key, { method: "GET", url: URL_, accessToken: "tok", nonce: "n1" });
    const verified = await verifyDpopProof(proof, { method: "GET", url: URL_, accessToken: "tok" });
    expect(verified.nonce).toBe("n1");
    expect(await refusal(proof, { method: "GET", accessToken: "other" })).toBe<DpopProofReason>(
      "ath_mismatch",
    );
    const withoutAth = await createDpopProof(key, { method: "GET", url: URL_ });
    expect(await refusal(withoutAth, { method: "GET", accessToken: "tok" })).toBe("ath_mismatch");
    expect(accessTokenHash("tok")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("refuses each malformed or unsafe proof with its reason", async () => {
    const key = await generateDpopKey();
    const { privateKey: hsKeyless } = await generateKeyPair("ES256");
    const other = await generateDpopKey();
    const privateJwk: JWK = await exportJWK(
      (await generateKeyPair("ES256", { extractable: true })).privateKey,
    );
    const cases: [string | undefined, DpopProofReason][] = [
      [undefined, "proof_missing"],
      ["", "proof_missing"],
      ["not.a.jwt!", "proof_malformed"],
      [`${"a".repeat(9000)}.b.c`, "proof_malformed"],
      [await proofWith(key, {}, { typ: "JWT" }), "typ_invalid"],
      [await proofWith(key, {}, { typ: undefined }), "typ_invalid"],
      [await proofWith(key, {}, { jwk: undefined }), "jwk_invalid"],
      [await proofWith(key, {}, { jwk: "x" }), "jwk_invalid"],
      [await proofWith(key, {}, { jwk: privateJwk }), "jwk_private"],
      [await proofWith(key, {}, { jwk: other.publicJwk }), "signature_invalid"],
      [await proofWith(key, {}, {}, hsKeyless), "signature_invalid"],
      [await proofWith(key, { jti: undefined }), "claims_invalid"],
      [await proofWith(key, { htm: undefined }), "claims_invalid"],
      [await proofWith(key, { iat: "now" }), "claims_invalid"],
      [await proofWith(key, { htm: "GET" }), "htm_mismatch"],
      [await proofWith(key, { htm: "post" }), "htm_mismatch"],
      [await proofWith(key, { htu: "https://id.example.com/other" }), "htu_mismatch"],
      [await proofWith(key, { htu: "https://evil.example.com/token" }), "htu_mismatch"],
      [await proofWith(key, { htu: "not a url" }), "htu_mismatch"],
      [await proofWith(key, { iat: now() - 120 }), "iat_out_of_window"],
      [await proofWith(key, { iat: now() + 60 }), "iat_out_of_window"],
    ];
    for (const [proof, reason] of cases)
      expect([proof?.slice(0, 40), await refusal(proof)]).toEqual([proof?.slice(0, 40), reason]);
  });

  it("refuses a proof that is not in its one canonical encoding: padding, or stray bits in a segment's last character", async () => {
    const key = await generateDpopKey();
    const proof = await createDpopProof(key, { method: "POST", url: URL_ });
    await expect(verifyDpopProof(proof, { method: "POST", url: URL_ })).resolves.toBeDefined();
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // An ES256 signature is 64 bytes: 86 characters, the last one carrying 4 unused bits.
    const last = alphabet.indexOf(proof.at(-1) as string);
    const strayBits = `${proof.slice(0, -1)}${alphabet[last ^ 1]}`;
    const [header, payload, signature] = proof.split(".") as [string, string, string];
    const strayInPayload =
      payload.length % 4 === 0
        ? undefined
        : `${header}.${payload.slice(0, -1)}${alphabet[alphabet.indexOf(payload.at(-1) as string) ^ 1]}.${signature}`;
    for (const variant of [`${proof}==`, `${proof}=`, strayBits, strayInPayload].filter(
      (v): v is string => v !== undefined,
    ))
      expect([variant.slice(-6), await refusal(variant)]).toEqual([variant.slice(-6), "proof_malformed"]);
  });

  it("isCanonicalCompactJws: three non-empty base64url segments, each the exact encoding of its bytes", () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    expect(isCanonicalCompactJws(token)).toBe(true);
    expect(isCanonicalCompactJws(token.replace("c2ln", "c2lu"))).toBe(true);
    expect(isCanonicalCompactJws(`${token}==`)).toBe(false);
    expect(isCanonicalCompactJws(token.replace("c2ln", "c2k"))).toBe(true);
    expect(isCanonicalCompactJws(token.replace("c2ln", "c2l"))).toBe(false); // "c2l" decodes as "c2k" does
    expect(isCanonicalCompactJws(token.replace("c2ln", "a"))).toBe(false); // no byte ends there
    expect(isCanonicalCompactJws("a.b")).toBe(false);
    expect(isCanonicalCompactJws("a..c")).toBe(false);
    expect(isCanonicalCompactJws("eyJ+.eyJ/.c2ln")).toBe(false);
  });

  it("refuses symmetric and unlisted algorithms, and none", async () => {
    const key = await generateDpopKey();
    const secret = new TextEncoder().encode("s".repeat(32));
    const hs = await new SignJWT({ jti: "1", htm: "POST", htu: URL_, iat: now() })
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: { kty: "oct", k: "c2VjcmV0" } as never })
      .sign(secret);
    expect(await refusal(hs)).toBe("alg_not_allowed");
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "dpop+jwt", jwk: key.publicJwk })).toString(
      "base64url",
    );
    const body = Buffer.from(JSON.stringify({ jti: "1", htm: "POST", htu: URL_, iat: now() })).toString(
      "base64url",
    );
    expect(await refusal(`${header}.${body}.`)).toBe("proof_malformed");
    expect(await refusal(`${header}.${body}.c2ln`)).toBe("alg_not_allowed");
    const es = await createDpopProof(key, { method: "POST", url: URL_ });
    expect(await refusal(es, { algorithms: ["EdDSA"] })).toBe("alg_not_allowed");
  });

  it("a key remembered from a client's earlier proof never vouches for another signer or a narrower alg list", async () => {
    const key = await generateDpopKey();
    const attacker = await generateDpopKey();
    await verifyDpopProof(await createDpopProof(key, { method: "POST", url: URL_ }), {
      method: "POST",
      url: URL_,
    });
    // The same protected header (the victim's jwk), signed with the attacker's key.
    const forged = await proofWith(key, {}, {}, attacker.privateKey);
    expect(forged.split(".")[0]).toBe(
      (await createDpopProof(key, { method: "POST", url: URL_ })).split(".")[0],
    );
    expect(await refusal(forged)).toBe("signature_invalid");
    expect(
      await refusal(await createDpopProof(key, { method: "POST", url: URL_ }), { algorithms: ["EdDSA"] }),
    ).toBe("alg_not_allowed");
  });

  it("uses the injected clock for the iat window", async () => {
    const key = await generateDpopKey();
    const proof = await proofWith(key, { iat: 1_000_000 });
    await expect(
      verifyDpopProof(proof, { method: "POST", url: URL_, now: () => 1_000_030 }),
    ).resolves.toBeDefined();
    expect(await refusal(proof, { now: () => 1_000_061 })).toBe("iat_out_of_window");
    expect(await refusal(proof, { now: () => 999_990 })).toBe("iat_out_of_window");
  });
});

describe("normalizeHtu (RFC 3986 syntax- and scheme-based normalisation)", () => {
  it.each([
    ["HTTPS://ID.Example.COM:443/token", "https://id.example.com/token"],
    ["https://id.example.com/a/../token?x=1#y", "https://id.example.com/token"],
    ["http://id.example.com:80", "http://id.example.com/"],
    ["https://id.example.com/%7Etoken", "https://id.example.com/%7Etoken"],
  ])("%s is %s", (input, output) => expect(normalizeHtu(input)).toBe(output));

  it("a URL that is not http(s), or not a URL, has no normal form (it matches nothing)", () => {
    expect(normalizeHtu("ftp://id.example.com/token")).toBeUndefined();
    expect(normalizeHtu("nope")).toBeUndefined();
  });
});
