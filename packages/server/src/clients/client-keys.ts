import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { type OutboundPolicy, outboundRequest } from "../outbound/fetch.js";
import type { ClientRecord } from "../storage/durable/types.js";

export interface ClientKeysOptions {
  policy: OutboundPolicy;
  /** A `jwks_uri` is fetched again on an unknown `kid` at most this often (seconds). */
  cooldown?: number;
  /** A fetched set is reused this long (seconds) before it is fetched again. */
  maxAge?: number;
  timeoutMs?: number;
  maxBytes?: number;
  now?: () => number;
}

interface Fetched {
  jwks: JSONWebKeySet;
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

/** A client whose keys cannot be used (none registered, fetch failed, not a JWK Set). */
export class ClientKeysUnavailable extends Error {}

/** The two names of EdDSA on Ed25519 (RFC 9864): a key registered under one verifies JWSs signed under the other. */
const ED25519_NAMES = ["EdDSA", "Ed25519"];

function jwkSet(value: unknown): JSONWebKeySet {
  if (!value || typeof value !== "object" || !Array.isArray((value as JSONWebKeySet).keys))
    throw new ClientKeysUnavailable("not a JWK Set");
  const keys = (value as JSONWebKeySet).keys.flatMap((key) =>
    key.kty === "OKP" && key.crv === "Ed25519" && ED25519_NAMES.includes(key.alg ?? "")
      ? ED25519_NAMES.map((alg) => ({ ...key, alg }))
      : [key],
  );
  return { keys };
}

/**
 * A client's public keys, for `private_key_jwt` assertions and request objects: by value
 * (`jwks`) or from its `jwks_uri` through the outbound guard, cached, and fetched again on
 * an unknown `kid` at most once per cooldown (jose's remote JWKS defaults: 30 s).
 */
export class ClientKeys {
  private readonly fetched = new Map<string, Fetched>();
  private readonly lastRefetch = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ClientKeysOptions) {
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /** A key getter for jose's verify functions, bound to this client's keys. */
  keysOf(client: ClientRecord): JWTVerifyGetKey {
    const { jwks, jwksUri } = client.metadata;
    if (jwks) {
      const local = createLocalJWKSet(jwkSet(jwks));
      return local;
    }
    if (!jwksUri) throw new ClientKeysUnavailable("the client registered no keys (jwks or jwks_uri)");
    return async (header, token) => {
      let set = await this.load(jwksUri, false);
      try {
        return await set.getKey(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        const last = this.lastRefetch.get(jwksUri) ?? 0;
        if (this.now() - last < (this.options.cooldown ?? 30)) throw error;
        this.lastRefetch.set(jwksUri, this.now());
        set = await this.load(jwksUri, true);
        return set.getKey(header, token);
      }
    };
  }

  private async load(uri: string, force: boolean): Promise<Fetched> {
    const cached = this.fetched.get(uri);
    if (cached && !force && this.now() - cached.fetchedAt < (this.options.maxAge ?? 300)) return cached;
    const answer = await outboundRequest(uri, this.options.policy, {
      headers: { accept: "application/jwk-set+json, application/json" },
      timeoutMs: this.options.timeoutMs ?? 5_000,
      maxBytes: this.options.maxBytes ?? 64 * 1024,
    }).catch((error: Error) => {
      throw new ClientKeysUnavailable(`jwks_uri: ${error.message}`);
    });
    if (answer.status !== 200) throw new ClientKeysUnavailable(`jwks_uri answered ${answer.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw new ClientKeysUnavailable("jwks_uri did not answer JSON");
    }
    const jwks = jwkSet(parsed);
    const fetched = { jwks, getKey: createLocalJWKSet(jwks), fetchedAt: this.now() };
    this.fetched.set(uri, fetched);
    return fetched;
  }
}
