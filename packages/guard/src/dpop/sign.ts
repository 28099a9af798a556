import { randomUUID } from "node:crypto";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { accessTokenHash } from "./proof.js";

/** A key pair a client proves possession of (RFC 9449), and the `alg` it signs proofs with. */
export interface DpopKey {
  alg: string;
  privateKey: CryptoKey;
  /** The public key as the proof's `jwk` header carries it. */
  publicJwk: JWK;
}

/** What one proof is for. */
export interface DpopProofRequest {
  method: string;
  url: string;
  /** At a resource: the access token the proof accompanies (adds `ath`). */
  accessToken?: string;
  /** The server's latest `DPoP-Nonce`, when it asked for one. */
  nonce?: string;
}

/** A fresh, non-extractable DPoP key pair (ES256 by default). */
export async function generateDpopKey(alg = "ES256"): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
  const { kty, crv, x, y, n, e } = await exportJWK(publicKey);
  const publicJwk = Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined),
  ) as JWK;
  return { alg, privateKey, publicJwk };
}

/** Signs one DPoP proof JWT for a request (a new `jti` each time, `iat` now). */
export async function createDpopProof(key: DpopKey, request: DpopProofRequest): Promise<string> {
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  return new SignJWT({
    htm: request.method,
    htu: url.href,
    ...(request.accessToken === undefined ? {} : { ath: accessTokenHash(request.accessToken) }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  })
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}
