/** Quotes a value for an RFC 7235 auth-param: backslash-escape `"` and `\`, drop control characters. */
export function quoteAuthParam(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, "").replace(/(["\\])/g, "\\$1")}"`;
}

/** Builds an RFC 6750 `WWW-Authenticate: Bearer ...` value. */
export function bearerChallenge(params: Record<string, string | undefined>, scheme = "Bearer"): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${quoteAuthParam(v)}`);
  return parts.length ? `${scheme} ${parts.join(", ")}` : scheme;
}
