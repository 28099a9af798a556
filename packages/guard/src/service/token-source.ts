import type { DpopKey } from "../dpop/sign.js";
import { discoverIssuer } from "../http/discovery.js";
import { type FetchLike, HttpError } from "../http/fetch.js";
import { dpopClient } from "./dpop-client.js";
import { postTokenRequest } from "./token-request.js";

/** Options of {@link clientCredentialsTokenSource}. Give `issuer` (discovery) or `tokenEndpoint`. */
export interface ClientCredentialsOptions {
  issuer?: string;
  tokenEndpoint?: string;
  clientId: string;
  clientSecret: string;
  /** Scopes to request (space-delimited string or list). */
  scope?: string | readonly string[];
  /** RFC 8707 resource indicator(s) of the service to call. */
  resource?: string | readonly string[];
  /** Lifetime assumed when the answer has no `expires_in`, in seconds. Default 60. */
  defaultLifetime?: number;
  /** Exchanged tokens kept at most (the oldest is dropped first). Default 1000. */
  exchangeCacheSize?: number;
  /** Request timeout in milliseconds. Default 5000. */
  timeout?: number;
  fetch?: FetchLike;
  /** Clock in epoch milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
  /**
   * Get DPoP-bound tokens (RFC 9449) proving possession of this key (`true`: an ES256 key generated in
   * memory on first use, never exported). Token requests carry a proof, are retried once with the
   * server's `DPoP-Nonce` when it answers `use_dpop_nonce`, and must be answered `token_type` `DPoP`;
   * {@link TokenSource.headers} signs a proof for each call. `exchange` still gets bearer tokens (it hands
   * out the token alone, with nothing to sign proofs). Default: bearer tokens.
   */
  dpop?: DpopKey | true;
}

/** What {@link TokenSource.exchange} asks for. */
export interface ExchangeOptions {
  /** The service to call: one of the issuer's resources this client may exchange for. */
  audience: string;
  /** Scopes (string or list), no more than the subject token has. Default: all of the subject token's. */
  scope?: string | readonly string[];
  /** Also send this source's own client-credentials token as `actor_token`: the result's `act` names this client. */
  actor?: boolean;
}

/** A cached, self-renewing access token for service-to-service calls. */
export interface TokenSource {
  /**
   * The headers of one call to another service with the current token: `{ authorization: "Bearer …" }`,
   * or for a DPoP source `{ authorization: "DPoP …", dpop: <a new proof for this method and URL> }`.
   */
  headers(method: string, url: string | URL): Promise<Record<string, string>>;
  /** A valid access token; fetched at most once at a time, renewed before expiry. */
  getToken(): Promise<string>;
  /**
   * An access token for `audience` on behalf of the person `subjectToken` names (OAuth 2.0 Token
   * Exchange, RFC 8693), cached per subject token, audience, scope and actor until near expiry.
   */
  exchange(subjectToken: string, options: ExchangeOptions): Promise<string>;
  /** Drops every cached token (e.g. after the callee answered 401). */
  invalidate(): void;
}

/** The token endpoint refused or failed the request. `error` is the OAuth error code when sent. */
export class TokenRequestError extends Error {
  override readonly name = "TokenRequestError";
  constructor(
    message: string,
    readonly error: string | undefined,
    readonly status: number | undefined,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

interface Cached {
  token: string;
  renewAt: number;
  expiresAt: number;
}

/** One cached token and the request renewing it, if one is under way. */
interface Slot {
  cached?: Cached;
  inflight?: Promise<Cached>;
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

const scopeParameter = (scope: string | readonly string[] | undefined) =>
  typeof scope === "string" ? scope : scope?.join(" ");

/**
 * Seconds after issuance at which a token of `lifetime` seconds is renewed: 30 s before expiry, but
 * never in the first half of its life, and always in the last 20% of it.
 *
 * @example
 * ```ts
 * renewAfter(600); // 480
 * renewAfter(60);  // 30
 * ```
 */
export function renewAfter(lifetime: number): number {
  return lifetime - Math.max(Math.min(30, lifetime / 2), lifetime * 0.2);
}

/**
 * Gets access tokens with the OAuth `client_credentials` grant (`client_secret_basic`), caches them and
 * renews them before they expire (see {@link renewAfter}). Concurrent callers share one request. If a
 * renewal fails while the cached token is still valid, the cached token is returned.
 *
 * `exchange` trades a person's access token for one meant for another service (RFC 8693), with the same
 * client credentials; a failed renewal of an exchanged token is thrown, never served stale.
 *
 * @example
 * ```ts
 * const tokens = clientCredentialsTokenSource({ issuer, clientId: "billing", clientSecret, scope: "orders:read" });
 * await fetch("https://orders.internal/orders", {
 *   headers: { authorization: `Bearer ${await tokens.getToken()}` },
 * });
 * // on a person's behalf, with the token they called this service with:
 * const onBehalf = await tokens.exchange(personToken, { audience: "https://orders.internal", scope: "orders:read" });
 * ```
 */
export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  if (!options.issuer && !options.tokenEndpoint) {
    throw new TypeError("clientCredentialsTokenSource needs issuer or tokenEndpoint");
  }
  const now = options.now ?? Date.now;
  const http = { fetch: options.fetch, timeout: options.timeout ?? 5000 };
  const maxExchanged = options.exchangeCacheSize ?? 1000;
  let own: Slot = {};
  const exchanged = new Map<string, Slot>();
  let endpoint: string | undefined = options.tokenEndpoint;
  const dpop = options.dpop === undefined ? undefined : dpopClient(options.dpop);

  async function tokenEndpoint(): Promise<string> {
    if (endpoint) return endpoint;
    const metadata = await discoverIssuer(options.issuer as string, http);
    if (typeof metadata.token_endpoint !== "string")
      throw new TypeError("issuer publishes no token_endpoint");
    endpoint = metadata.token_endpoint;
    return endpoint;
  }

  /** A token request; `bound`: with a DPoP proof, for a DPoP-bound token (a DPoP source's own token). */
  async function request(body: URLSearchParams, bound = dpop !== undefined): Promise<Cached> {
    const started = now();
    let answer: Record<string, unknown>;
    try {
      const { clientId, clientSecret } = options;
      const proofs = bound ? dpop : undefined;
      answer = await postTokenRequest(await tokenEndpoint(), body, {
        clientId,
        clientSecret,
        http,
        dpop: proofs,
      });
    } catch (err) {
      const details = err instanceof HttpError ? (err.body as { error?: unknown } | undefined) : undefined;
      const code = typeof details?.error === "string" ? details.error : undefined;
      const status = err instanceof HttpError ? err.status : undefined;
      throw new TokenRequestError(`token request failed${code ? `: ${code}` : ""}`, code, status, err);
    }
    const { access_token, token_type, expires_in, issued_token_type } = answer;
    if (
      typeof access_token !== "string" ||
      typeof token_type !== "string" ||
      token_type.toLowerCase() !== (bound ? "dpop" : "bearer") ||
      (issued_token_type !== undefined && issued_token_type !== ACCESS_TOKEN_TYPE)
    ) {
      throw new TokenRequestError(
        `token endpoint answered no ${bound ? "DPoP" : "bearer"} access_token`,
        undefined,
        200,
      );
    }
    const lifetime =
      typeof expires_in === "number" && expires_in > 0 ? expires_in : (options.defaultLifetime ?? 60);
    return {
      token: access_token,
      renewAt: started + renewAfter(lifetime) * 1000,
      expiresAt: started + lifetime * 1000,
    };
  }

  /** The slot's token, renewed when due; `serveStale`: a failed renewal returns a still-valid token. */
  async function fromSlot(slot: Slot, fetchToken: () => Promise<Cached>, serveStale: boolean) {
    if (slot.cached && now() < slot.cached.renewAt) return slot.cached.token;
    slot.inflight ??= fetchToken().finally(() => {
      slot.inflight = undefined;
    });
    try {
      slot.cached = await slot.inflight;
    } catch (err) {
      if (serveStale && slot.cached && now() < slot.cached.expiresAt - 5000) return slot.cached.token;
      throw err;
    }
    return slot.cached.token;
  }

  function getToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    const scope = scopeParameter(options.scope);
    if (scope) body.set("scope", scope);
    for (const resource of [options.resource ?? []].flat()) body.append("resource", resource);
    return fromSlot(own, () => request(body), true);
  }

  async function exchangeRequest(subjectToken: string, wanted: ExchangeOptions): Promise<Cached> {
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience: wanted.audience,
    });
    const scope = scopeParameter(wanted.scope);
    if (scope) body.set("scope", scope);
    if (wanted.actor) {
      body.set("actor_token", await getToken());
      body.set("actor_token_type", ACCESS_TOKEN_TYPE);
    }
    return request(body, false); // exchange() hands out the token alone: a bearer token, even for a DPoP source
  }

  async function exchange(subjectToken: string, wanted: ExchangeOptions): Promise<string> {
    if (typeof wanted?.audience !== "string" || wanted.audience === "")
      throw new TypeError("exchange needs an audience");
    const key = JSON.stringify([
      subjectToken,
      wanted.audience,
      scopeParameter(wanted.scope) ?? "",
      !!wanted.actor,
    ]);
    let slot = exchanged.get(key);
    if (!slot) {
      for (const [old, entry] of exchanged)
        if (exchanged.size >= maxExchanged || (entry.cached && now() >= entry.cached.expiresAt))
          exchanged.delete(old);
      slot = {};
      exchanged.set(key, slot);
    }
    try {
      return await fromSlot(slot, () => exchangeRequest(subjectToken, wanted), false);
    } catch (err) {
      exchanged.delete(key);
      throw err;
    }
  }

  return {
    async headers(method, url): Promise<Record<string, string>> {
      const token = await getToken();
      if (!dpop) return { authorization: `Bearer ${token}` };
      return { authorization: `DPoP ${token}`, dpop: await dpop.resourceProof(method, String(url), token) };
    },
    getToken,
    exchange,
    invalidate() {
      own = {};
      exchanged.clear();
    },
  };
}
