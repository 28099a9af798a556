/** A `fetch`-compatible function (the global `fetch`, undici's, or a test double). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Options shared by every outbound request of the guard. */
export interface HttpOptions {
  /** Custom fetch implementation. Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Request timeout in milliseconds. Default: 5000. */
  timeout?: number;
}

/** Error thrown by {@link fetchJson} when the answer is not a 2xx JSON object. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: unknown,
    cause?: unknown,
    /** The answer's headers, when there was an answer. */
    readonly headers?: Headers,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * Fetches a URL and parses a JSON object from a 2xx answer, with a timeout. Redirects are not followed.
 * Rejects with {@link HttpError} otherwise; a non-2xx answer's JSON body (if any) is in `body`.
 *
 * @example
 * ```ts
 * const metadata = await fetchJson(new URL("https://id.example/.well-known/oauth-authorization-server"));
 * ```
 */
export async function fetchJson(
  url: string | URL,
  init: RequestInit = {},
  options: HttpOptions = {},
): Promise<Record<string, unknown>> {
  return (await fetchJsonResponse(url, init, options)).body;
}

/**
 * {@link fetchJson}, also resolving the answer's headers (an {@link HttpError} carries them too).
 *
 * @example
 * ```ts
 * const { body, headers } = await fetchJsonResponse(tokenEndpoint, { method: "POST", body: form });
 * headers.get("dpop-nonce");
 * ```
 */
export async function fetchJsonResponse(
  url: string | URL,
  init: RequestInit = {},
  options: HttpOptions = {},
): Promise<{ body: Record<string, unknown>; headers: Headers }> {
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeout ?? 5000);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let response: Response;
  let body: unknown;
  try {
    response = await doFetch(url, { redirect: "manual", ...init, signal });
    const text = await response.text();
    body = text ? JSON.parse(text) : undefined;
  } catch (cause) {
    throw new HttpError(`request to ${String(url)} failed`, undefined, undefined, cause);
  }
  if (response.status < 200 || response.status > 299) {
    throw new HttpError(
      `${String(url)} answered ${response.status}`,
      response.status,
      body,
      undefined,
      response.headers,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(
      `${String(url)} did not answer a JSON object`,
      response.status,
      body,
      undefined,
      response.headers,
    );
  }
  return { body: body as Record<string, unknown>, headers: response.headers };
}
