// Runs in its own process pinned to the server core: ES256 verification of one token,
// each method in a fixed-duration loop, one verification at a time (awaited).
//   raw:   node:crypto verify (KeyObject, dsaEncoding 'ieee-p1363') over header.payload
//   jose:  jose jwtVerify with the imported public key (signature + claim checks)
//   guard: @frontdesk/guard createVerifier with a local JWKS (full verification; the same
//          token again is answered from its verified-token cache, as in a real service
//          where a client reuses its token)
//   guardNoCache: the same verifier with verifiedCacheSize 0: every call checks the signature
//   guardDpop: a DPoP-bound token (cnf.jkt) with a fresh proof each call (RFC 9449: proof
//          signature, htm/htu/iat/ath, key binding, jti recorded in the in-memory replay cache)
//   rawDpop: node:crypto verify of the two signatures alone (token and proof)
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from "node:crypto";
import { createVerifier, MemoryDpopReplayCache } from "@frontdesk/guard";
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT } from "jose";

const [duration, runs] = process.argv.slice(2).map(Number);
const issuer = "https://id.example.com";
const audience = "https://api.example.com";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicJwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
const now = Math.floor(Date.now() / 1000);
const accessToken = (claims) =>
  new SignJWT({ client_id: "svc", scope: "api:read", ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject("user-1")
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
const token = await accessToken({ jti: "j1" });

const [h64, p64, s64] = token.split(".");
const rawKey = createPublicKey({ key: publicJwk, format: "jwk" });
const signingInput = Buffer.from(`${h64}.${p64}`);
const signature = Buffer.from(s64, "base64url");
const joseKey = await importJWK(publicJwk, "ES256");
const verifier = createVerifier({ issuer, audience, jwks: { keys: [publicJwk] } });
const uncached = createVerifier({ issuer, audience, jwks: { keys: [publicJwk] }, verifiedCacheSize: 0 });

// DPoP: a bound token, and proofs signed ahead of each timed loop (one per call: a proof is single-use).
const publicUrl = "https://api.example.com";
const dpopKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const { kty, crv, x, y } = dpopKey.publicKey.export({ format: "jwk" });
const proofJwk = { kty, crv, x, y };
const jkt = await calculateJwkThumbprint(proofJwk, "sha256");
const boundToken = await accessToken({ jti: "j2", cnf: { jkt } });
const ath = createHash("sha256").update(boundToken).digest("base64url");
const proofHeader = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk: proofJwk })).toString(
  "base64url",
);
function makeProof() {
  const claims = {
    jti: randomUUID(),
    htm: "GET",
    htu: `${publicUrl}/orders`,
    iat: Math.floor(Date.now() / 1000),
    ath,
  };
  const input = `${proofHeader}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key: dpopKey.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}
let proofs = [];
const dpopVerifier = createVerifier({
  issuer,
  audience,
  jwks: { keys: [publicJwk] },
  publicUrl,
  // Sized for the run: every proof of it stays recorded for its window.
  dpop: { replayCache: new MemoryDpopReplayCache({ maxEntries: 5_000_000 }) },
});
const [bh64, bp64, bs64] = boundToken.split(".");
const boundInput = Buffer.from(`${bh64}.${bp64}`);
const boundSignature = Buffer.from(bs64, "base64url");
const proofKey = createPublicKey({ key: proofJwk, format: "jwk" });

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
  guardDpop: async () => {
    const proof = proofs.pop();
    await dpopVerifier.verify(boundToken, { dpop: { proof, method: "GET", path: "/orders" } });
  },
  rawDpop: async () => {
    const proof = proofs.pop();
    const dot = proof.lastIndexOf(".");
    if (!verify("sha256", boundInput, { key: rawKey, dsaEncoding: "ieee-p1363" }, boundSignature))
      throw new Error("raw verify failed");
    const proofSignature = Buffer.from(proof.slice(dot + 1), "base64url");
    if (
      !verify(
        "sha256",
        Buffer.from(proof.slice(0, dot)),
        { key: proofKey, dsaEncoding: "ieee-p1363" },
        proofSignature,
      )
    )
      throw new Error("raw proof verify failed");
  },
};
const usesProofs = new Set(["guardDpop", "rawDpop"]);
// Enough proofs for a loop at up to 60,000 calls/s, signed before the clock starts.
const proofsFor = (seconds) => {
  proofs = Array.from({ length: Math.ceil(seconds * 60_000) + 100 }, makeProof);
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

async function measure(name, seconds) {
  if (usesProofs.has(name)) proofsFor(seconds);
  return loop(methods[name], seconds);
}

const result = {};
for (const name of Object.keys(methods)) await measure(name, Math.min(1, duration)); // warm-up
for (const name of Object.keys(methods)) result[name] = [];
for (let r = 0; r < runs; r++)
  for (const name of Object.keys(methods)) result[name].push(await measure(name, duration));
process.stdout.write(`${JSON.stringify(result)}\n`);
