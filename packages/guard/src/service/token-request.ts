import { clientSecretBasic } from "../http/client-auth.js";
import { fetchJsonResponse, HttpError, type HttpOptions } from "../http/fetch.js";
import type { DpopClient } from "./dpop-client.js";

/** How a token request is sent: the client's credentials, and DPoP for a DPoP-bound source. */
export interface TokenRequestOptions {
  clientId: string;
  clientSecret: string;
  http: HttpOptions;
  dpop?: DpopClient | undefined;
}

/**
 * POSTs a token request with `client_secret_basic` and resolves the answer's JSON object, or rejects with
 * the `HttpError` of the answer. With `dpop`, the request carries a proof; when the server answers
 * `use_dpop_nonce` with a `DPoP-Nonce` (RFC 9449 section 8), it is sent once more with a proof that has
 * the nonce, which is then kept for later requests.
 *
 * @example
 * ```ts
 * const answer = await postTokenRequest(tokenEndpoint, form, { clientId, clientSecret, http: {} });
 * ```
 */
export async function postTokenRequest(
  url: string,
  body: URLSearchParams,
  options: TokenRequestOptions,
): Promise<Record<string, unknown>> {
  const { dpop } = options;
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = {
      authorization: clientSecretBasic(options.clientId, options.clientSecret),
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (dpop) headers.dpop = await dpop.tokenRequestProof(url);
    try {
      const answer = await fetchJsonResponse(url, { method: "POST", body, headers }, options.http);
      dpop?.takeNonce(answer.headers);
      return answer.body;
    } catch (err) {
      if (!dpop || attempt > 1 || !(err instanceof HttpError)) throw err;
      const code = (err.body as { error?: unknown } | undefined)?.error;
      if (code !== "use_dpop_nonce" || !dpop.takeNonce(err.headers)) throw err;
    }
  }
}
