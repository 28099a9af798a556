import { createDpopProof, type DpopKey, generateDpopKey } from "../dpop/sign.js";

/** The client side of DPoP for a token source: one key for every proof, and the token endpoint's nonce. */
export interface DpopClient {
  /** A proof for `POST url` at the token endpoint, with the nonce it asked for last (RFC 9449 section 8). */
  tokenRequestProof(url: string): Promise<string>;
  /** A proof for a call to a resource with `accessToken` (`ath`); never with the token endpoint's nonce. */
  resourceProof(method: string, url: string, accessToken: string): Promise<string>;
  /** Keeps a token endpoint answer's `DPoP-Nonce`; returns whether the answer had a usable one. */
  takeNonce(headers: Headers | undefined): boolean;
}

/** RFC 9449 section 8.1: `nonce = 1*NQCHAR` (printable ASCII but `"` and `\`). */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Methods `fetch` upper-cases (the Fetch standard's normalisation); others are sent, and signed, as given. */
const NORMALISED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/**
 * DPoP for a client: proofs signed by `key`, or by one ES256 key generated on first use (`true`), never
 * exported.
 *
 * @example
 * ```ts
 * const dpop = dpopClient(true);
 * const proof = await dpop.tokenRequestProof("https://id.example.com/token");
 * ```
 */
export function dpopClient(key: DpopKey | true): DpopClient {
  let pair: Promise<DpopKey> | undefined;
  const signer = () => {
    pair ??= key === true ? generateDpopKey() : Promise.resolve(key);
    return pair;
  };
  let nonce: string | undefined;
  return {
    async tokenRequestProof(url) {
      return createDpopProof(await signer(), {
        method: "POST",
        url,
        ...(nonce === undefined ? {} : { nonce }),
      });
    },
    async resourceProof(method, url, accessToken) {
      const htm = NORMALISED.has(method.toUpperCase()) ? method.toUpperCase() : method;
      return createDpopProof(await signer(), { method: htm, url, accessToken });
    },
    takeNonce(headers) {
      const value = headers?.get("dpop-nonce");
      if (!value || !NONCE.test(value)) return false;
      nonce = value;
      return true;
    },
  };
}
