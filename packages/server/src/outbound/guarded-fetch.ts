import { OutboundError, type OutboundPolicy, outboundRequest } from "./fetch.js";

/** What a fetch call gives: the part of the Fetch API's options openid-client and jose use. */
export interface FetchOptions {
  method?: string;
  headers?: Headers | Record<string, string>;
  body?: string | URLSearchParams | ArrayBuffer | Uint8Array | ReadableStream | null;
  signal?: AbortSignal | null;
}

/** The Fetch API's shape, as openid-client's and jose's `customFetch` options take it. */
export type FetchFunction = (url: string, options?: FetchOptions) => Promise<Response>;

/** Answers the Fetch API says have no body: `new Response` refuses one for them. */
const NO_BODY = new Set([204, 205, 304]);

function headerRecord(headers: FetchOptions["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function bodyText(body: FetchOptions["body"]): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new OutboundError("ERR_OUTBOUND_BLOCKED", "only text and form bodies are sent");
}

/**
 * `fetch` through the outbound guard (outboundRequest): for libraries that make their own
 * requests to URLs the server did not choose (an upstream provider's discovery document,
 * token, user-info and key endpoints), so every one is vetted after DNS, never redirected,
 * and bounded in time and size like the server's own outbound requests.
 */
export function guardedFetch(
  policy: OutboundPolicy,
  limits: { timeoutMs?: number; maxBytes?: number } = {},
): FetchFunction {
  return async (url, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "POST")
      throw new OutboundError("ERR_OUTBOUND_BLOCKED", `${method} requests are not sent`);
    const body = bodyText(init.body);
    const headers = headerRecord(init.headers);
    if (init.body instanceof URLSearchParams && !headers["content-type"])
      headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
    const answer = await outboundRequest(url, policy, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...limits,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (answer.status < 200 || answer.status > 599)
      throw new OutboundError("ERR_OUTBOUND_FAILED", `answered with status ${answer.status}`);
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers))
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
        responseHeaders.append(name, v);
    return new Response(NO_BODY.has(answer.status) ? null : answer.body, {
      status: answer.status,
      headers: responseHeaders,
    });
  };
}
