import { clientSecretBasic } from "../http/client-auth.js";
import { discoverIssuer } from "../http/discovery.js";
import { type FetchLike, fetchJson, HttpError } from "../http/fetch.js";

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
  /** Request timeout in milliseconds. Default 5000. */
  timeout?: number;
  fetch?: FetchLike;
  /** Clock in epoch milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

/** A cached, self-renewing access token for service-to-service calls. */
export interface TokenSource {
  /** A valid access token; fetched at most once at a time, renewed before expiry. */
  getToken(): Promise<string>;
  /** Drops the cached token (e.g. after the callee answered 401). */
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
 * @example
 * ```ts
 * const tokens = clientCredentialsTokenSource({ issuer, clientId: "billing", clientSecret, scope: "orders:read" });
 * await fetch("https://orders.internal/orders", {
 *   headers: { authorization: `Bearer ${await tokens.getToken()}` },
 * });
 * ```
 */
export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  if (!options.issuer && !options.tokenEndpoint) {
    throw new TypeError("clientCredentialsTokenSource needs issuer or tokenEndpoint");
  }
  const now = options.now ?? Date.now;
  const http = { fetch: options.fetch, timeout: options.timeout ?? 5000 };
  let cached: Cached | undefined;
  let inflight: Promise<Cached> | undefined;
  let endpoint: string | undefined = options.tokenEndpoint;

  async function tokenEndpoint(): Promise<string> {
    if (endpoint) return endpoint;
    const metadata = await discoverIssuer(options.issuer as string, http);
    if (typeof metadata.token_endpoint !== "string")
      throw new TypeError("issuer publishes no token_endpoint");
    endpoint = metadata.token_endpoint;
    return endpoint;
  }

  async function request(): Promise<Cached> {
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    const scope = typeof options.scope === "string" ? options.scope : options.scope?.join(" ");
    if (scope) body.set("scope", scope);
    for (const resource of [options.resource ?? []].flat()) body.append("resource", resource);
    const started = now();
    let answer: Record<string, unknown>;
    try {
      answer = await fetchJson(
        await tokenEndpoint(),
        {
          method: "POST",
          body,
          headers: {
            authorization: clientSecretBasic(options.clientId, options.clientSecret),
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
        },
        http,
      );
    } catch (err) {
      const details = err instanceof HttpError ? (err.body as { error?: unknown } | undefined) : undefined;
      const code = typeof details?.error === "string" ? details.error : undefined;
      const status = err instanceof HttpError ? err.status : undefined;
      throw new TokenRequestError(`token request failed${code ? `: ${code}` : ""}`, code, status, err);
    }
    const { access_token, token_type, expires_in } = answer;
    if (
      typeof access_token !== "string" ||
      typeof token_type !== "string" ||
      token_type.toLowerCase() !== "bearer"
    ) {
      throw new TokenRequestError("token endpoint answered no bearer access_token", undefined, 200);
    }
    const lifetime =
      typeof expires_in === "number" && expires_in > 0 ? expires_in : (options.defaultLifetime ?? 60);
    return {
      token: access_token,
      renewAt: started + renewAfter(lifetime) * 1000,
      expiresAt: started + lifetime * 1000,
    };
  }

  async function getToken(): Promise<string> {
    if (cached && now() < cached.renewAt) return cached.token;
    inflight ??= request().finally(() => {
      inflight = undefined;
    });
    try {
      cached = await inflight;
    } catch (err) {
      if (cached && now() < cached.expiresAt - 5000) return cached.token;
      throw err;
    }
    return cached.token;
  }

  return {
    getToken,
    invalidate() {
      cached = undefined;
    },
  };
}
