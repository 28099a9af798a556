/**
 * Quotes a value as an RFC 9110 `quoted-string`: backslashes and double quotes are escaped, and
 * characters outside printable ASCII (CR, LF, other controls, non-ASCII) are replaced by `?`, so a
 * value can never split or inject a header.
 *
 * @example
 * ```ts
 * quoteHeaderValue('say "hi"'); // "\"say \\\"hi\\\"\""
 * ```
 */
export function quoteHeaderValue(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Builds a `WWW-Authenticate` challenge. Every parameter is quoted with {@link quoteHeaderValue};
 * parameters whose value is `undefined` are left out.
 *
 * @example
 * ```ts
 * formatWwwAuthenticate("Bearer", { realm: "api", error: "insufficient_scope", scope: "read write" });
 * // Bearer realm="api", error="insufficient_scope", scope="read write"
 * ```
 */
export function formatWwwAuthenticate(scheme: string, params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${quoteHeaderValue(value)}`);
  return parts.length ? `${scheme} ${parts.join(", ")}` : scheme;
}
