/** How the tokens of one token request are bound to the caller (RFC 9449 DPoP binds them to a key). */
export interface TokenBinding {
  /** `token_type` of the response: `Bearer` unless a binding step proved a key. */
  tokenType: "Bearer" | "DPoP";
  /** `cnf` claim for the access token (RFC 7800), when bound to a key. */
  confirmation?: { jkt: string };
}

export const BEARER: TokenBinding = Object.freeze({ tokenType: "Bearer" });

/** The successful token response (RFC 6749 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: TokenBinding["tokenType"];
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}
