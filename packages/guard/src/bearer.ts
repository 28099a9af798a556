import { GuardError, invalidRequest } from "./errors.js";

/** What an adapter knows about a request's credentials, framework-neutral. */
export interface CredentialSources {
  /** The `Authorization` header; a list when the header was sent more than once. */
  authorization: string | readonly string[] | undefined;
  /** Request target (path and query) or full URL, checked for an `access_token` query parameter. */
  url?: string;
  /** Parsed request body, when the framework has one, checked for an `access_token` form field. */
  body?: unknown;
}

/** RFC 6750 section 2.1 `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the bearer token of a request. The scheme is matched case-insensitively. Refuses
 * (`invalid_request`, 400) tokens in the query string or form body and requests carrying more than one
 * credential; a request without a bearer credential gets `invalid_token` with reason `token_missing`
 * (401, challenge without `error`, RFC 6750 section 3.1).
 *
 * @example
 * ```ts
 * const token = extractBearer({ authorization: req.headers.authorization, url: req.url });
 * ```
 */
export function extractBearer(sources: CredentialSources): string {
  if (sources.url !== undefined && hasQueryToken(sources.url)) {
    throw invalidRequest("token_in_query", "access tokens must not be sent in the query string");
  }
  const body = sources.body;
  if (typeof body === "object" && body !== null && Object.hasOwn(body, "access_token")) {
    throw invalidRequest("token_in_body", "access tokens must be sent in the Authorization header");
  }
  const headers = typeof sources.authorization === "string" ? [sources.authorization] : sources.authorization;
  if (!headers || headers.length === 0) throw missing();
  if (headers.length > 1) throw invalidRequest("multiple_methods", "more than one Authorization header");
  const header = (headers[0] as string).trim();
  const match = /^(\S+)(?:\s+(.*))?$/.exec(header);
  if (match?.[1]?.toLowerCase() !== "bearer") throw missing();
  const token = match[2]?.trim() ?? "";
  if (!B64TOKEN.test(token)) throw invalidRequest("malformed_header", "malformed Authorization header");
  return token;
}

function missing(): GuardError {
  return new GuardError("invalid_token", { reason: "token_missing", description: "bearer token required" });
}

function hasQueryToken(url: string): boolean {
  try {
    return new URL(url, "http://localhost").searchParams.has("access_token");
  } catch {
    return false;
  }
}
