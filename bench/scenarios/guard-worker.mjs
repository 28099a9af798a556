// Runs in its own process pinned to the server core: ES256 verification of one token,
// each method in a fixed-duration loop, one verification at a time (awaited).
//   raw:   node:crypto verify (KeyObject, dsaEncoding 'ieee-p1363') over header.payload
//   jose:  jose jwtVerify with the imported public key (signature + claim checks)
//   guard: @frontdesk/guard createVerifier with a local JWKS (full verification; the same
//          token again is answered from its verified-token cache, as in a real service
//          where a client reuses its token)
//   guardNoCache: the same verifier with verifiedCacheSize 0: every call checks the signature
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { createVerifier } from "@frontdesk/guard";
import { importJWK, jwtVerify, SignJWT } from "jose";

const [duration, runs] = process.argv.slice(2).map(Number);
const issuer = "https://id.example.com";
const audience = "https://api.example.com";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicJwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ client_id: "svc", scope: "api:read", jti: "j1" })
  .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1" })
  .setIssuer(issuer)
  .setAudience(audience)
  .setSubject("user-1")
  .setIssuedAt(now)
  .setExpirationTime(now + 3600)
  .sign(privateKey);

const [h64, p64, s64] = token.split(".");
const rawKey = createPublicKey({ key: publicJwk, format: "jwk" });
const signingInput = Buffer.from(`${h64}.${p64}`);
const signature = Buffer.from(s64, "base64url");
const joseKey = await importJWK(publicJwk, "ES256");
const verifier = createVerifier({ issuer, audience, jwks: { keys: [publicJwk] } });
const uncached = createVerifier({ issuer, audience, jwks: { keys: [publicJwk] }, verifiedCacheSize: 0 });

const methods = {
  raw: async () => {
    if (!verify("sha256", signingInput, { key: rawKey, dsaEncoding: "ieee-p1363" }, signature))
      throw new Error("raw verify failed");
  },
  jose: async () => {
    await jwtVerify(token, joseKey, { issuer, audience, algorithms: ["ES256"], typ: "at+jwt" });
  },
  guard: async () => {
    await verifier.verify(token);
  },
  guardNoCache: async () => {
    await uncached.verify(token);
  },
};

async function loop(fn, seconds) {
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    ops += 50;
  }
  return ops / ((performance.now() - start) / 1000);
}

const result = {};
for (const name of Object.keys(methods)) await loop(methods[name], Math.min(1, duration)); // warm-up
for (const name of Object.keys(methods)) result[name] = [];
for (let r = 0; r < runs; r++)
  for (const [name, fn] of Object.entries(methods)) result[name].push(await loop(fn, duration));
process.stdout.write(`${JSON.stringify(result)}\n`);
