import type { JWSAlgorithm } from "jose";
import { DPOP_ALGORITHMS } from "./dpop/proof.js";
import { type DpopReplayCache, MemoryDpopReplayCache } from "./dpop/replay-cache.js";
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

/** DPoP (RFC 9449) options of `createVerifier`; DPoP is accepted once `publicUrl` is set. */
export interface DpopOptions {
  /**
   * Where accepted proofs are recorded, once per `jkt` + `jti`. Default: a `MemoryDpopReplayCache` of this
   * process, which is enough for one process only: a fleet shares a `redisDpopReplayCache`.
   */
  replayCache?: DpopReplayCache;
  /** Accepted proof algorithms. Default `["ES256", "EdDSA", "Ed25519", "RS256", "PS256"]`. */
  algorithms?: readonly string[];
  /** How old a proof's `iat` may be, in seconds. Default 60 (and `clockTolerance` ahead). */
  maxAgeSeconds?: number;
}

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
  /**
   * This service's public base URL, as its clients address it (e.g. `https://api.example.com`). A DPoP
   * proof's `htu` must be this URL followed by the request's path (`publicUrl` + path; never taken from
   * `Host` or forwarded headers). Default: none, and then DPoP-bound tokens are refused.
   */
  publicUrl?: string;
  /** DPoP options (needs `publicUrl`). */
  dpop?: DpopOptions;
}

/** Validated DPoP configuration (present when `publicUrl` is set). */
export interface DpopConfig {
  readonly replayCache: DpopReplayCache;
  readonly algorithms: readonly string[];
  readonly maxAgeSeconds: number;
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
  /** `publicUrl` without a trailing slash. */
  readonly publicUrl: string | undefined;
  /** DPoP settings; `undefined` when DPoP is off (no `publicUrl`). */
  readonly dpop: DpopConfig | undefined;
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
  const clockTolerance = nonNegative("clockTolerance", options.clockTolerance, 5);
  const publicUrl = resolvePublicUrl(options.publicUrl);
  if (options.dpop !== undefined && publicUrl === undefined) throw new TypeError("dpop needs publicUrl");
  return Object.freeze({
    issuer: options.issuer,
    audience: Object.freeze(audience),
    algorithms: Object.freeze(algorithms),
    clockTolerance,
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
    publicUrl,
    dpop: publicUrl === undefined ? undefined : resolveDpop(options.dpop ?? {}),
  });
}

function resolvePublicUrl(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  const url = typeof publicUrl === "string" && URL.canParse(publicUrl) ? new URL(publicUrl) : undefined;
  if (
    !url ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new TypeError("publicUrl must be an absolute http(s) URL without query, fragment or credentials");
  }
  return url.href.replace(/\/+$/, "");
}

function resolveDpop(options: DpopOptions): DpopConfig {
  const algorithms = [...(options.algorithms ?? DPOP_ALGORITHMS)];
  if (algorithms.length === 0) throw new TypeError("dpop.algorithms must not be empty");
  for (const alg of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg))
      throw new TypeError(`DPoP algorithm ${String(alg)} is not allowed`);
  }
  const maxAgeSeconds = nonNegative("dpop.maxAgeSeconds", options.maxAgeSeconds, 60);
  if (maxAgeSeconds === 0) throw new TypeError("dpop.maxAgeSeconds must be positive");
  return Object.freeze({
    replayCache: options.replayCache ?? new MemoryDpopReplayCache(),
    algorithms: Object.freeze(algorithms),
    maxAgeSeconds,
  });
}
