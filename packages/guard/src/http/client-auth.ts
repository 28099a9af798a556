/**
 * `Authorization` header value for OAuth `client_secret_basic`: the client id and secret are each
 * `application/x-www-form-urlencoded` first (RFC 6749 section 2.3.1 and appendix B), then joined by `:`
 * and base64-encoded.
 *
 * @example
 * ```ts
 * clientSecretBasic("my client", "s:cr%t"); // "Basic bXkrY2xpZW50OnMlM0FjciUyNXQ="
 * ```
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams([["", value]]).toString().slice(1);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}
