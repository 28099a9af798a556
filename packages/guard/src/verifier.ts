import { decodeProtectedHeader, jwtVerify, type ProtectedHeaderParameters } from "jose";
import { type AccessTokenClaims, assertScopes } from "./claims.js";
import { resolveVerifierConfig, type VerifierConfig, type VerifierOptions } from "./config.js";
import { invalidToken } from "./errors.js";
import { createKeyResolver } from "./keys.js";
import { toGuardError } from "./map-error.js";
import { VerifiedTokenCache } from "./verified-cache.js";

/** Options of a single {@link Verifier.verify} call. */
export interface VerifyOptions {
  /** Scopes the token must all grant; otherwise `insufficient_scope` (403). */
  scopes?: readonly string[];
}

/** A configured access-token verifier. */
export interface Verifier {
  /** Verifies a token; resolves to its claims or rejects with a `GuardError`. */
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>;
  /** The validated, frozen configuration. */
  readonly config: VerifierConfig;
  /** Stops the revocation feeds given in `revocations`. */
  close(): Promise<void>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Creates an RFC 9068 access-token verifier. Each `verify` runs: size limit → shape → header checks
 * (pinned `alg`, no `crit`) → signature with a key from the configured JWKS (jose) → `typ`, `iss`, `aud`,
 * `exp`, `nbf`, `iat` → revocation → scopes.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: "https://id.example.com", audience: "https://api.example.com" });
 * const claims = await verifier.verify(token, { scopes: ["orders:read"] });
 * console.log(claims.sub);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveVerifierConfig(options);
  const getKey = createKeyResolver({
    issuer: config.issuer,
    jwks: config.jwks,
    fetch: config.fetch,
    timeout: config.timeout,
    cooldown: config.cooldown,
    cacheMaxAge: config.cacheMaxAge,
  });

  const verified = new VerifiedTokenCache(config.verifiedCacheSize, config.verifiedCacheTtl);

  async function verifySignature(token: string): Promise<AccessTokenClaims> {
    checkShape(token, config);
    const remembered = verified.get(token);
    if (remembered) {
      checkTimes(remembered, config);
      return { ...remembered };
    }
    checkHeader(decodeHeader(token), config);
    const { payload } = await jwtVerify(token, getKey, {
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: [...config.audience],
      typ: "at+jwt",
      clockTolerance: config.clockTolerance,
      requiredClaims: ["exp", "iat"],
    });
    const claims = payload as AccessTokenClaims;
    verified.set(token, claims);
    return claims;
  }

  async function verify(token: string, verifyOptions: VerifyOptions = {}): Promise<AccessTokenClaims> {
    try {
      const claims = await verifySignature(token);
      checkIssuedAt(claims, config);
      checkNotSenderConstrained(claims);
      if (config.revocations.some((r) => r.isRevoked(claims))) {
        throw invalidToken("token_revoked", "token revoked");
      }
      assertScopes(claims, verifyOptions.scopes ?? []);
      return claims;
    } catch (err) {
      throw toGuardError(err).withRealm(config.realm);
    }
  }

  async function close(): Promise<void> {
    await Promise.all(config.revocations.map((r) => r.close?.()));
  }

  return Object.freeze({ verify, close, config });
}

function checkShape(token: string, config: VerifierConfig): void {
  if (typeof token !== "string" || token.length === 0)
    throw invalidToken("malformed_token", "malformed token");
  if (token.length > config.maxTokenLength) throw invalidToken("token_too_large", "token too large");
  if (!JWT_SHAPE.test(token)) throw invalidToken("malformed_token", "malformed token");
}

function decodeHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch (err) {
    throw invalidToken("malformed_token", "malformed token", err);
  }
}

function checkHeader(header: ProtectedHeaderParameters, config: VerifierConfig): void {
  if (header.crit !== undefined) throw invalidToken("crit_not_supported", "token uses unsupported crit");
  if (typeof header.alg !== "string" || !config.algorithms.includes(header.alg)) {
    throw invalidToken("alg_not_allowed", "token algorithm not allowed");
  }
}

/**
 * A DPoP-bound token (`cnf.jkt`, RFC 9449) must come with a DPoP proof; presented as a plain bearer token
 * it is refused (RFC 9449 section 7.1), so a stolen bound token is useless. DPoP proofs are not yet
 * verified by the guard.
 */
function checkNotSenderConstrained(claims: AccessTokenClaims): void {
  const cnf = claims.cnf;
  if (cnf !== undefined) throw invalidToken("dpop_bound", "sender-constrained token presented as bearer");
}

/** `exp` and `nbf` of a remembered token, as jose checks them (with the clock tolerance). */
function checkTimes(claims: AccessTokenClaims, config: VerifierConfig): void {
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp <= now - config.clockTolerance) throw invalidToken("token_expired", "token expired");
  if (typeof claims.nbf === "number" && claims.nbf > now + config.clockTolerance)
    throw invalidToken("claim_invalid", 'invalid "nbf" claim');
}

function checkIssuedAt(claims: AccessTokenClaims, config: VerifierConfig): void {
  const now = Math.floor(Date.now() / 1000);
  if (claims.iat > now + config.clockTolerance) {
    throw invalidToken("claim_invalid", 'invalid "iat" claim');
  }
}
