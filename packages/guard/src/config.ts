import type { JWSAlgorithm } from "jose";
import type { FetchLike } from "./http/fetch.js";
import type { JwksSource } from "./keys.js";
import type { RevocationCheck } from "./revocation/check.js";

/** Asymmetric JWS algorithms the verifier may be configured with; symmetric (`HS*`) and `none` never. */
export const SUPPORTED_ALGORITHMS: readonly JWSAlgorithm[] = [
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
];

/** Options of `createVerifier`. Defaults are listed next to each option. */
export interface VerifierOptions {
  /** Expected `iss`, exactly as the issuer publishes it. Required. */
  issuer: string;
  /** Expected `aud` (this resource server's identifier); one match suffices. Required. */
  audience: string | readonly string[];
  /** Accepted `alg` values, never taken from the token. Default `["ES256"]`. */
  algorithms?: readonly JWSAlgorithm[];
  /** Clock skew tolerance for `exp`, `nbf` and `iat`, in seconds. Default 5. */
  clockTolerance?: number;
  /** Key source. Default: the `jwks_uri` of the issuer's metadata. */
  jwks?: JwksSource;
  /** Revocation sets or feeds consulted after the signature check. Default: none. */
  revocations?: RevocationCheck | readonly RevocationCheck[];
  /** `realm` of `WWW-Authenticate` challenges. Default: the first audience. */
  realm?: string;
  /** Largest accepted token, in characters, checked before parsing. Default 8192. */
  maxTokenLength?: number;
  /** Timeout of metadata and JWKS requests, in milliseconds. Default 5000. */
  timeout?: number;
  /** Minimum time between two JWKS refetches caused by an unknown `kid`, in milliseconds. Default 30000. */
  cooldown?: number;
  /** Maximum age of the cached JWKS, in milliseconds. Default 600000. */
  cacheMaxAge?: number;
  /** Custom fetch for metadata and JWKS requests. Default: the global `fetch`. */
  fetch?: FetchLike;
  /**
   * How many verified tokens to remember, so a token seen again skips the signature
   * check (time claims, revocation and scopes are still checked on every call).
   * Default 10000; 0 turns the cache off.
   */
  verifiedCacheSize?: number;
  /** How long a remembered token skips the signature check, in milliseconds. Default 60000. */
  verifiedCacheTtl?: number;
}

/** Validated, frozen verifier configuration. */
export interface VerifierConfig {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly JWSAlgorithm[];
  readonly clockTolerance: number;
  readonly jwks: JwksSource | undefined;
  readonly revocations: readonly RevocationCheck[];
  readonly realm: string;
  readonly maxTokenLength: number;
  readonly timeout: number;
  readonly cooldown: number;
  readonly cacheMaxAge: number;
  readonly fetch: FetchLike | undefined;
  readonly verifiedCacheSize: number;
  readonly verifiedCacheTtl: number;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}

/**
 * Validates verifier options once, applies defaults and freezes the result. Throws `TypeError` on bad
 * configuration (so a misconfigured service fails at start-up, not on the first request).
 *
 * @example
 * ```ts
 * const config = resolveVerifierConfig({ issuer: "https://id.example.com", audience: "https://api.example.com" });
 * config.algorithms; // ["ES256"]
 * ```
 */
export function resolveVerifierConfig(options: VerifierOptions): VerifierConfig {
  if (typeof options.issuer !== "string" || !URL.canParse(options.issuer)) {
    throw new TypeError("issuer must be an absolute URL");
  }
  const audience = typeof options.audience === "string" ? [options.audience] : [...(options.audience ?? [])];
  if (audience.length === 0 || audience.some((a) => typeof a !== "string" || a.length === 0)) {
    throw new TypeError("audience must be a non-empty string or array of strings");
  }
  const algorithms = [...(options.algorithms ?? ["ES256"])];
  if (algorithms.length === 0) throw new TypeError("algorithms must not be empty");
  for (const alg of algorithms) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) throw new TypeError(`algorithm ${String(alg)} is not allowed`);
  }
  const revocations = options.revocations === undefined ? [] : [options.revocations].flat();
  return Object.freeze({
    issuer: options.issuer,
    audience: Object.freeze(audience),
    algorithms: Object.freeze(algorithms),
    clockTolerance: nonNegative("clockTolerance", options.clockTolerance, 5),
    jwks: options.jwks,
    revocations: Object.freeze(revocations),
    realm: options.realm ?? (audience[0] as string),
    maxTokenLength: nonNegative("maxTokenLength", options.maxTokenLength, 8192),
    timeout: Math.round(nonNegative("timeout", options.timeout, 5000)),
    cooldown: nonNegative("cooldown", options.cooldown, 30_000),
    cacheMaxAge: nonNegative("cacheMaxAge", options.cacheMaxAge, 600_000),
    fetch: options.fetch,
    verifiedCacheSize: Math.floor(nonNegative("verifiedCacheSize", options.verifiedCacheSize, 10_000)),
    verifiedCacheTtl: nonNegative("verifiedCacheTtl", options.verifiedCacheTtl, 60_000),
  });
}
