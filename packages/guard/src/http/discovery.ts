import { fetchJson, type HttpOptions } from "./fetch.js";

/** The RFC 8414 / OpenID Connect Discovery metadata fields the guard reads. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
  [field: string]: unknown;
}

/**
 * The metadata URLs tried for an issuer, in order (RFC 8414 section 3, then OIDC Discovery).
 *
 * @example
 * ```ts
 * metadataUrls("https://id.example.com/t1").map(String);
 * // [".../.well-known/oauth-authorization-server/t1", ".../t1/.well-known/oauth-authorization-server",
 * //  ".../t1/.well-known/openid-configuration"]
 * ```
 */
export function metadataUrls(issuer: string): URL[] {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/$/, "");
  const appended = (suffix: string) => new URL(`${base.origin}${path}/.well-known/${suffix}`);
  const urls = [
    new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`),
    appended("oauth-authorization-server"),
    appended("openid-configuration"),
  ];
  return urls.filter((url, i) => urls.findIndex((other) => other.href === url.href) === i);
}

/**
 * Discovers an issuer's metadata: `/.well-known/oauth-authorization-server` first, falling back to
 * `/.well-known/openid-configuration`. The document's `issuer` must equal the configured issuer
 * (RFC 8414 section 3.3), and endpoints of an `https` issuer must be `https`.
 *
 * @example
 * ```ts
 * const { jwks_uri } = await discoverIssuer("https://id.example.com");
 * ```
 */
export async function discoverIssuer(issuer: string, options: HttpOptions = {}): Promise<IssuerMetadata> {
  let lastError: unknown;
  for (const url of metadataUrls(issuer)) {
    let document: Record<string, unknown>;
    try {
      document = await fetchJson(url, { headers: { accept: "application/json" } }, options);
    } catch (err) {
      lastError = err;
      continue;
    }
    if (document.issuer !== issuer) {
      throw new Error(
        `metadata at ${url.href} is for issuer ${JSON.stringify(document.issuer)}, not ${issuer}`,
      );
    }
    for (const field of ["jwks_uri", "token_endpoint"]) {
      const value = document[field];
      if (value === undefined) continue;
      if (typeof value !== "string" || (issuer.startsWith("https:") && !value.startsWith("https:"))) {
        throw new Error(`metadata field ${field} must be an https URL`);
      }
    }
    return document as IssuerMetadata;
  }
  throw new Error(`could not discover metadata of ${issuer}`, { cause: lastError });
}
