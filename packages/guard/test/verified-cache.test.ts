import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import { describe, expect, it } from "vitest";
import { createVerifier, RevocationSet } from "../src/index.js";
import { makeKey, mint, nowSeconds } from "./helpers.js";

const issuer = "https://id.test";
const audience = "https://api.test";

/** A key getter that counts signature checks (jose asks for the key once per verification). */
async function countingKeys() {
  const key = await makeKey();
  const local = createLocalJWKSet({ keys: [key.jwk] });
  const counter = { calls: 0 };
  const getKey: JWTVerifyGetKey = (header, token) => {
    counter.calls += 1;
    return local(header, token);
  };
  return { key, getKey, counter };
}

describe("verified-token cache", () => {
  it("checks a token's signature once, then answers from memory", async () => {
    const { key, getKey, counter } = await countingKeys();
    const verifier = createVerifier({ issuer, audience, jwks: getKey });
    const token = await mint(key, issuer);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(token)).sub).toBe("user-1");
    expect(counter.calls).toBe(1);
  });

  it("checks every time when the cache is off", async () => {
    const { key, getKey, counter } = await countingKeys();
    const verifier = createVerifier({ issuer, audience, jwks: getKey, verifiedCacheSize: 0 });
    const token = await mint(key, issuer);
    for (let i = 0; i < 3; i++) await verifier.verify(token);
    expect(counter.calls).toBe(3);
  });

  it("re-checks the signature after verifiedCacheTtl", async () => {
    const { key, getKey, counter } = await countingKeys();
    const verifier = createVerifier({ issuer, audience, jwks: getKey, verifiedCacheTtl: 50 });
    const token = await mint(key, issuer);
    await verifier.verify(token);
    await new Promise((r) => setTimeout(r, 80));
    await verifier.verify(token);
    expect(counter.calls).toBe(2);
  });

  it("still refuses a remembered token once it expires", async () => {
    const { key, getKey } = await countingKeys();
    const verifier = createVerifier({ issuer, audience, jwks: getKey, clockTolerance: 0 });
    const token = await mint(key, issuer, { exp: nowSeconds() + 1 });
    await verifier.verify(token);
    await new Promise((r) => setTimeout(r, 2100));
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: "invalid_token",
      reason: "token_expired",
    });
  });

  it("still refuses a remembered token once it is revoked, and still checks scopes", async () => {
    const { key, getKey } = await countingKeys();
    const revocations = new RevocationSet();
    const verifier = createVerifier({ issuer, audience, jwks: getKey, revocations });
    const token = await mint(key, issuer, { jti: "jti-cached" });
    await verifier.verify(token);
    await expect(verifier.verify(token, { scopes: ["orders:write"] })).rejects.toMatchObject({
      code: "insufficient_scope",
    });
    revocations.add({ type: "jti", value: "jti-cached", expires_at: nowSeconds() + 600 });
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: "invalid_token",
      reason: "token_revoked",
    });
  });

  it("keeps at most verifiedCacheSize tokens", async () => {
    const { key, getKey, counter } = await countingKeys();
    const verifier = createVerifier({ issuer, audience, jwks: getKey, verifiedCacheSize: 2 });
    const [a, b, c] = await Promise.all([mint(key, issuer), mint(key, issuer), mint(key, issuer)]);
    for (const t of [a, b, c]) await verifier.verify(t as string);
    expect(counter.calls).toBe(3);
    await verifier.verify(c as string); // still remembered
    await verifier.verify(a as string); // evicted: checked again
    expect(counter.calls).toBe(4);
  });
});
