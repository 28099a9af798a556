import { type AuthScheme, type Challenge, GuardError, invalidRequest } from "./errors.js";

/** What an adapter knows about a request's credentials, framework-neutral. */
export interface CredentialSources {
  /** The `Authorization` header; a list when the header was sent more than once. */
  authorization: string | readonly string[] | undefined;
  /** Request target (path and query) or full URL, checked for an `access_token` query parameter. */
  url?: string;
  /** Parsed request body, when the framework has one, checked for an `access_token` form field. */
  body?: unknown;
  /** The request's method: a DPoP proof's `htm` must equal it. */
  method?: string;
  /** The `DPoP` header (RFC 9449); a list when it was sent more than once. */
  dpop?: string | readonly string[];
}

/** The access token of a request and the `Authorization` scheme it came with. */
export interface Credentials {
  scheme: AuthScheme;
  token: string;
}

/** RFC 6750 section 2.1 `b64token` (RFC 9449 section 7.1 uses the same `token68` syntax). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the access token of a request, sent as `Authorization: Bearer <token>` or `Authorization: DPoP
 * <token>` (schemes matched case-insensitively). Refuses (`invalid_request`, 400) tokens in the query
 * string or form body and requests carrying more than one credential; a request without either scheme
 * gets `invalid_token` with reason `token_missing` (401, challenge without `error`, RFC 6750 section 3.1).
 *
 * @example
 * ```ts
 * const { scheme, token } = extractCredentials({ authorization: req.headers.authorization, url: req.url });
 * ```
 */
export function extractCredentials(sources: CredentialSources): Credentials {
  if (sources.url !== undefined && hasQueryToken(sources.url)) {
    throw invalidRequest("token_in_query", "access tokens must not be sent in the query string");
  }
  const body = sources.body;
  if (typeof body === "object" && body !== null && Object.hasOwn(body, "access_token")) {
    throw invalidRequest("token_in_body", "access tokens must be sent in the Authorization header");
  }
  const headers = typeof sources.authorization === "string" ? [sources.authorization] : sources.authorization;
  if (!headers || headers.length === 0) throw tokenMissing();
  if (headers.length > 1) throw invalidRequest("multiple_methods", "more than one Authorization header");
  const header = (headers[0] as string).trim();
  const match = /^(\S+)(?:\s+(.*))?$/.exec(header);
  const scheme = SCHEMES.get(match?.[1]?.toLowerCase() ?? "");
  if (scheme === undefined) throw tokenMissing();
  const token = match?.[2]?.trim() ?? "";
  if (!B64TOKEN.test(token)) {
    throw new GuardError("invalid_request", {
      reason: "malformed_header",
      description: "malformed Authorization header",
      challenge: { scheme },
    });
  }
  return { scheme, token };
}

const SCHEMES = new Map<string, AuthScheme>([
  ["bearer", "Bearer"],
  ["dpop", "DPoP"],
]);

/**
 * Reads the bearer token of a request, as {@link extractCredentials} does, but only from
 * `Authorization: Bearer` (any other scheme, DPoP included, is `token_missing`).
 *
 * @example
 * ```ts
 * const token = extractBearer({ authorization: req.headers.authorization, url: req.url });
 * ```
 */
export function extractBearer(sources: CredentialSources): string {
  const { scheme, token } = extractCredentials(sources);
  if (scheme !== "Bearer") throw tokenMissing();
  return token;
}

/**
 * The refusal of a request without credentials (401, a challenge without `error`).
 *
 * @example
 * ```ts
 * throw tokenMissing({ realm: "api" });
 * ```
 */
export function tokenMissing(challenge?: Challenge): GuardError {
  return new GuardError("invalid_token", {
    reason: "token_missing",
    description: "bearer token required",
    challenge,
  });
}

function hasQueryToken(url: string): boolean {
  try {
    return new URL(url, "http://localhost").searchParams.has("access_token");
  } catch {
    return false;
  }
}
