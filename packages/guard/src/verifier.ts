import { decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { type AccessTokenClaims, assertScopes } from "./claims.js";
import { resolveVerifierConfig, type VerifierConfig, type VerifierOptions } from "./config.js";
import {
  checkDpopBinding,
  type DpopRequest,
  dpopRequired,
  NOT_CONFIGURED,
  recordDpopProof,
} from "./dpop/binding.js";
import type { VerifiedDpopProof } from "./dpop/proof.js";
import { type Challenge, invalidToken } from "./errors.js";
import { verifyJwt } from "./jws-signature.js";
import { createKeyResolver } from "./keys.js";
import { toGuardError } from "./map-error.js";
import { VerifiedTokenCache } from "./verified-cache.js";

/** Options of a single {@link Verifier.verify} call. */
export interface VerifyOptions {
  /** Scopes the token must all grant; otherwise `insufficient_scope` (403). */
  scopes?: readonly string[];
  /**
   * The token came with `Authorization: DPoP`: its proof and the request it must match. Without it the
   * token counts as presented with `Bearer`, and a DPoP-bound token is refused.
   */
  dpop?: DpopRequest;
  /** Refuse tokens presented as Bearer (RFC 9449 section 7.1): this route accepts DPoP only. */
  requireDpop?: boolean;
}

/** A configured access-token verifier. */
export interface Verifier {
  /** Verifies a token; resolves to its claims or rejects with a `GuardError`. */
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>;
  /** The validated, frozen configuration. */
  readonly config: VerifierConfig;
  /** Stops the revocation feeds given in `revocations` and closes the DPoP replay cache given in `dpop`. */
  close(): Promise<void>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Creates an RFC 9068 access-token verifier. Each `verify` runs: size limit → shape → header checks
 * (pinned `alg`, no `crit`) → signature with a key from the configured JWKS (jose's
 * key selection, node:crypto's signature check: `jws-signature.ts`) → `typ`, `iss`, `aud`,
 * `exp`, `nbf`, `iat` → binding (a token presented as Bearer must not be bound; one presented with DPoP
 * must be bound to the key of a valid proof, RFC 9449) → revocation → scopes → the proof's `jti` recorded
 * in the replay cache, once.
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
    const { payload } = await verifyJwt(token, getKey, {
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
    const { dpop, requireDpop = false } = verifyOptions;
    try {
      if (requireDpop && dpop === undefined) throw dpopRequired(config.dpop !== undefined);
      const claims = await verifySignature(token);
      checkIssuedAt(claims, config);
      let proof: VerifiedDpopProof | undefined;
      if (dpop === undefined) checkNotSenderConstrained(claims, config);
      else proof = await checkDpopBinding(token, claims, dpop, config);
      if (config.revocations.some((r) => r.isRevoked(claims))) {
        throw invalidToken("token_revoked", "token revoked");
      }
      assertScopes(claims, verifyOptions.scopes ?? []);
      if (proof && config.dpop) await recordDpopProof(proof, config.dpop, config.clockTolerance);
      return claims;
    } catch (err) {
      throw toGuardError(err).withChallenge({
        ...challengeOf(config, requireDpop),
        scheme: dpop === undefined ? "Bearer" : "DPoP",
      });
    }
  }

  async function close(): Promise<void> {
    await Promise.all([...config.revocations.map((r) => r.close?.()), config.dpop?.replayCache.close?.()]);
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
 * The challenges of a verifier's answers: its realm, and DPoP with its algorithms when it accepts DPoP
 * (`publicUrl` set); `requireDpop` routes challenge with DPoP only.
 *
 * @example
 * ```ts
 * challengeOf(verifier.config, false); // { realm: "https://api.example.com", dpopAlgorithms: [...], dpopOnly: false }
 * ```
 */
export function challengeOf(config: VerifierConfig, requireDpop: boolean): Challenge {
  return { realm: config.realm, dpopAlgorithms: config.dpop?.algorithms, dpopOnly: requireDpop };
}

/**
 * A sender-constrained token (`cnf`, such as DPoP's `cnf.jkt`) must come with its proof; presented as a
 * plain bearer token it is refused (RFC 9449 section 7.2), so a stolen bound token is useless.
 */
function checkNotSenderConstrained(claims: AccessTokenClaims, config: VerifierConfig): void {
  if (claims.cnf === undefined) return;
  throw invalidToken(
    "dpop_bound",
    config.dpop === undefined
      ? `sender-constrained token presented as bearer; ${NOT_CONFIGURED}`
      : "DPoP-bound token presented as bearer: send it with the DPoP scheme and a proof",
  );
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
