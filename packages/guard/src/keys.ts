import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import { discoverIssuer } from "./http/discovery.js";
import type { FetchLike } from "./http/fetch.js";

/** Where the verifier gets its public keys: a JWKS URL, a local JWKS, or a jose key getter. */
export type JwksSource = string | URL | JSONWebKeySet | JWTVerifyGetKey;

/** Options of {@link createKeyResolver}. */
export interface KeyResolverOptions {
  issuer: string;
  /** Key source; default: `jwks_uri` from the issuer's metadata. */
  jwks?: JwksSource;
  fetch?: FetchLike;
  timeout: number;
  cooldown: number;
  cacheMaxAge: number;
}

/** Thrown by the key resolver when the key set cannot be obtained (network, timeout, bad document). */
export class KeysUnavailableError extends Error {
  override readonly name = "KeysUnavailableError";
}

/** jose errors that mean "no such key", as opposed to "key set unavailable". */
const KEY_SELECTION_ERRORS = new Set(["ERR_JWKS_NO_MATCHING_KEY", "ERR_JWKS_MULTIPLE_MATCHING_KEYS"]);

/** Header parameters that may point at keys outside the configured JWKS; never passed on. */
const UNTRUSTED_KEY_HEADERS = ["jku", "x5u", "jwk", "x5c"] as const;

/**
 * Builds the key getter the verifier hands to jose. Only keys from the configured JWKS are ever used:
 * the token's `jku`, `x5u`, `jwk` and `x5c` headers are removed before key selection. A remote JWKS
 * (discovered lazily from the issuer's metadata unless given) is cached, refetched on an unknown `kid`
 * at most once per `cooldown`, with a `timeout` (jose's `createRemoteJWKSet`).
 *
 * @example
 * ```ts
 * const getKey = createKeyResolver({ issuer, timeout: 5000, cooldown: 30000, cacheMaxAge: 600000 });
 * await jwtVerify(token, getKey, { algorithms: ["ES256"] });
 * ```
 */
export function createKeyResolver(options: KeyResolverOptions): JWTVerifyGetKey {
  let getter: Promise<JWTVerifyGetKey> | undefined;
  const load = (): Promise<JWTVerifyGetKey> => {
    getter ??= resolveSource(options).catch((err: unknown) => {
      getter = undefined; // retry discovery on the next token
      throw err;
    });
    return getter;
  };
  return async (header, token) => {
    const safeHeader = { ...header };
    for (const name of UNTRUSTED_KEY_HEADERS) delete safeHeader[name];
    try {
      return await (await load())(safeHeader, token);
    } catch (err) {
      if (isKeySelectionError(err)) throw err;
      throw new KeysUnavailableError("the key set is unavailable", { cause: err });
    }
  };
}

function isKeySelectionError(err: unknown): boolean {
  return err instanceof Error && KEY_SELECTION_ERRORS.has((err as Error & { code?: string }).code ?? "");
}

async function resolveSource(options: KeyResolverOptions): Promise<JWTVerifyGetKey> {
  const { jwks } = options;
  if (typeof jwks === "function") return jwks;
  if (jwks !== undefined && typeof jwks === "object" && !(jwks instanceof URL))
    return createLocalJWKSet(jwks);
  const url =
    jwks === undefined ? await discoverJwksUri(options) : new URL(jwks instanceof URL ? jwks.href : jwks);
  return createRemoteJWKSet(url, {
    timeoutDuration: options.timeout,
    cooldownDuration: options.cooldown,
    cacheMaxAge: options.cacheMaxAge,
    ...(options.fetch ? { [customFetch]: options.fetch as FetchImplementation } : {}),
  });
}

async function discoverJwksUri(options: KeyResolverOptions): Promise<URL> {
  const metadata = await discoverIssuer(options.issuer, { fetch: options.fetch, timeout: options.timeout });
  if (typeof metadata.jwks_uri !== "string")
    throw new Error(`issuer ${options.issuer} publishes no jwks_uri`);
  return new URL(metadata.jwks_uri);
}
