/** Response types the authorization endpoint answers (RFC 6749 3.1.1): the code flow only (OAuth 2.1). */
export const RESPONSE_TYPES = ["code"] as const;

/** How it answers (OAuth 2.0 Multiple Response Type Encoding Practices 2.1): in the query string only. */
export const RESPONSE_MODES = ["query"] as const;

export const isOneOf = (values: readonly string[], value: string | undefined): boolean =>
  value !== undefined && values.includes(value);
