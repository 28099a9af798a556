/** Authorization server metadata (RFC 8414 / OpenID Connect Discovery), read defensively. */
export type Metadata = Record<string, unknown>;

export function stringField(metadata: Metadata, key: string): string | undefined {
  const value = metadata[key];
  return typeof value === "string" ? value : undefined;
}

export function stringList(metadata: Metadata, key: string): string[] | undefined {
  const value = metadata[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/** The server's own endpoints (every `*_endpoint`, and `jwks_uri`), the URLs the audit may contact. */
export function endpointUrls(metadata: Metadata): Map<string, string> {
  const urls = new Map<string, string>();
  for (const [key, value] of Object.entries(metadata)) {
    if ((key.endsWith("_endpoint") || key === "jwks_uri") && typeof value === "string" && URL.canParse(value))
      urls.set(key, value);
  }
  return urls;
}

/** A response type with `token` in it puts an access token in the authorization response. */
export function issuesAccessTokenInUrl(responseType: string): boolean {
  return responseType.split(" ").includes("token");
}

/** RFC 8414 §3.1 puts the well-known segment before the issuer's path; OpenID Connect appends it. */
export function wellKnownUrls(issuer: string): { openid: string; oauth: string } {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  return {
    openid: `${url.origin}${path}/.well-known/openid-configuration`,
    oauth: `${url.origin}/.well-known/oauth-authorization-server${path}`,
  };
}
