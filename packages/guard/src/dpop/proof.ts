import { createHash } from "node:crypto";
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  jwtVerify,
  type ProtectedHeaderParameters,
} from "jose";
import { isCanonicalCompactJws } from "../strict-jws.js";

/** Proof algorithms accepted by default (RFC 9449 section 4.2: asymmetric only; never `none` or HS*). Ed25519 is EdDSA by its fully-specified name (RFC 9864), as openid-client signs. */
export const DPOP_ALGORITHMS = Object.freeze(["ES256", "EdDSA", "Ed25519", "RS256", "PS256"] as const);

/** Why a proof was refused: stable, for logs and tests (never needed to build a response). */
export type DpopProofReason =
  | "proof_missing"
  | "proof_malformed"
  | "alg_not_allowed"
  | "typ_invalid"
  | "jwk_invalid"
  | "jwk_private"
  | "signature_invalid"
  | "claims_invalid"
  | "htm_mismatch"
  | "htu_mismatch"
  | "iat_out_of_window"
  | "ath_mismatch"
  | "nonce_invalid"
  | "proof_replayed"
  | "key_mismatch";

/** A DPoP proof that cannot be accepted (answered as `invalid_dpop_proof`, or `use_dpop_nonce` for a nonce). */
export class DpopProofError extends Error {
  override readonly name = "DpopProofError";
  constructor(
    readonly reason: DpopProofReason,
    description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
  }
}

/** What a proof must match: the request it came with, and the clock. */
export interface DpopProofExpectation {
  /** The request's HTTP method (`htm`). */
  method: string;
  /** The request's URL as its client addressed it (`htu`); query and fragment are ignored. */
  url: string;
  /** With an access token (at a resource), `ath` must be its hash. */
  accessToken?: string;
  /** Allowed proof algorithms; default {@link DPOP_ALGORITHMS}. */
  algorithms?: readonly string[];
  /** How old a proof's `iat` may be, in seconds; default 60. */
  maxAgeSeconds?: number;
  /** How far ahead of this clock a proof's `iat` may be, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** The current time in seconds (injectable for tests). */
  now?: () => number;
}

/** A proof whose signature, header and claims were checked. Replay (`jti`) and `nonce` are the caller's to check. */
export interface VerifiedDpopProof {
  /** JWK SHA-256 thumbprint of the proof's key (RFC 7638), the `cnf.jkt` it binds to. */
  jkt: string;
  jti: string;
  iat: number;
  nonce?: string;
}

const MAX_PROOF_LENGTH = 8192;
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

/**
 * Checks one DPoP proof JWT (RFC 9449 section 4.3): its shape, `typ` `dpop+jwt`, an allowed asymmetric `alg`,
 * a public `jwk` that verifies its signature, then `jti`, `htm`, `htu`, `iat` and, with an access token, `ath`.
 * It never records the `jti`: the caller does, only for a proof that passed, in its replay cache.
 */
export async function verifyDpopProof(
  proof: string | undefined,
  expected: DpopProofExpectation,
): Promise<VerifiedDpopProof> {
  if (proof === undefined || proof === "") throw new DpopProofError("proof_missing", "DPoP proof required");
  if (proof.length > MAX_PROOF_LENGTH || !isCanonicalCompactJws(proof))
    throw new DpopProofError("proof_malformed", "malformed DPoP proof");
  const { alg, key, jkt } = await proofKey(proof, expected.algorithms ?? DPOP_ALGORITHMS);
  const payload = await verifySignature(proof, alg, key);
  const claims = readClaims(payload);
  if (claims.htm !== expected.method)
    throw new DpopProofError("htm_mismatch", "DPoP proof htm does not match");
  const htu = normalizeHtu(claims.htu);
  if (htu === undefined || htu !== normalizeHtu(expected.url))
    throw new DpopProofError("htu_mismatch", "DPoP proof htu does not match");
  checkIssuedAt(claims.iat, expected);
  if (expected.accessToken !== undefined && claims.ath !== accessTokenHash(expected.accessToken))
    throw new DpopProofError("ath_mismatch", "DPoP proof ath does not match the access token");
  return {
    jkt,
    jti: claims.jti,
    iat: claims.iat,
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
  };
}

function readHeader(
  proof: string,
  algorithms: readonly string[],
): { alg: string; jwk: JWK; raw: ProtectedHeaderParameters } {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch (cause) {
    throw new DpopProofError("proof_malformed", "malformed DPoP proof", { cause });
  }
  if (header.typ !== "dpop+jwt") throw new DpopProofError("typ_invalid", 'DPoP proof typ must be "dpop+jwt"');
  const alg = header.alg;
  if (typeof alg !== "string" || !algorithms.includes(alg))
    throw new DpopProofError("alg_not_allowed", "DPoP proof algorithm not allowed");
  if (header.crit !== undefined)
    throw new DpopProofError("proof_malformed", "DPoP proof uses unsupported crit");
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk))
    throw new DpopProofError("jwk_invalid", "DPoP proof jwk must be a JSON object");
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk))
    throw new DpopProofError("jwk_private", "DPoP proof jwk must be a public key");
  return { alg, jwk: jwk as JWK, raw: header as ProtectedHeaderParameters };
}

interface ProofKey {
  alg: string;
  key: CryptoKey;
  jkt: string;
}

/**
 * A client signs every proof with one key, so its proofs share one protected header: the key
 * imported from it (and its thumbprint) is remembered by that header's exact text, after the header
 * passed its checks. Bounded; dropped whole when full.
 */
const knownHeaders = new Map<string, ProofKey>();
const MAX_KNOWN_HEADERS = 1000;

async function proofKey(proof: string, algorithms: readonly string[]): Promise<ProofKey> {
  const segment = proof.slice(0, proof.indexOf("."));
  const known = knownHeaders.get(segment);
  if (known && algorithms.includes(known.alg)) return known;
  const header = readHeader(proof, algorithms);
  let key: CryptoKey;
  try {
    key = (await EmbeddedJWK(header.raw, { payload: "", signature: "" })) as CryptoKey;
  } catch (cause) {
    throw new DpopProofError("jwk_invalid", "DPoP proof jwk is not a usable public key for its alg", {
      cause,
    });
  }
  const found = { alg: header.alg, key, jkt: await calculateJwkThumbprint(header.jwk, "sha256") };
  if (knownHeaders.size >= MAX_KNOWN_HEADERS) knownHeaders.clear();
  knownHeaders.set(segment, found);
  return found;
}

async function verifySignature(proof: string, alg: string, key: CryptoKey): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(proof, key, { algorithms: [alg], typ: "dpop+jwt" });
    return payload as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")
      throw new DpopProofError("signature_invalid", "DPoP proof signature invalid", { cause });
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" || code === "ERR_JWT_EXPIRED")
      throw new DpopProofError("claims_invalid", "DPoP proof claims invalid", { cause });
    throw new DpopProofError("jwk_invalid", "DPoP proof jwk is not a usable public key for its alg", {
      cause,
    });
  }
}

interface ProofClaims {
  jti: string;
  htm: string;
  htu: string;
  iat: number;
  ath?: unknown;
  nonce?: string;
}

function readClaims(payload: Record<string, unknown>): ProofClaims {
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256)
    throw new DpopProofError("claims_invalid", "DPoP proof jti missing or invalid");
  if (typeof htm !== "string" || typeof htu !== "string")
    throw new DpopProofError("claims_invalid", "DPoP proof htm and htu are required");
  if (typeof iat !== "number" || !Number.isFinite(iat))
    throw new DpopProofError("claims_invalid", "DPoP proof iat missing or invalid");
  if (nonce !== undefined && typeof nonce !== "string")
    throw new DpopProofError("claims_invalid", "DPoP proof nonce must be a string");
  return { jti, htm, htu, iat, ath, ...(nonce === undefined ? {} : { nonce }) };
}

function checkIssuedAt(iat: number, expected: DpopProofExpectation): void {
  const now = expected.now?.() ?? Math.floor(Date.now() / 1000);
  const maxAge = expected.maxAgeSeconds ?? 60;
  const tolerance = expected.clockToleranceSeconds ?? 5;
  if (iat < now - maxAge || iat > now + tolerance)
    throw new DpopProofError("iat_out_of_window", "DPoP proof iat is outside the accepted window");
}

/**
 * `htu` as RFC 9449 section 4.3 compares it: without query and fragment, after RFC 3986 syntax- and
 * scheme-based normalisation (lower-case scheme and host, no default port, dot segments resolved).
 * Undefined for anything but an http(s) URL.
 */
export function normalizeHtu(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
    parsed.search = "";
    parsed.hash = "";
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return undefined;
  }
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash("sha256").update(accessToken, "ascii").digest());
}
