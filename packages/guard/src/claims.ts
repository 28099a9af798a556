import type { JWTPayload } from "jose";
import { GuardError } from "./errors.js";

/**
 * Claims of a verified RFC 9068 access token. `iss`, `aud`, `exp` and `iat` are always present after
 * verification; the others are present when the issuer sets them (Frontdesk always sets `sub`, `jti`,
 * `client_id` and `scope`).
 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string | string[];
  exp: number;
  iat: number;
  sub?: string;
  jti?: string;
  client_id?: string;
  /** Space-delimited scopes (RFC 9068 section 2.2.3). */
  scope?: string;
  sid?: string;
  /** When the person signed in, in seconds since the epoch (OpenID Connect Core 2, RFC 9068 2.2.1). */
  auth_time?: number;
  /** How strongly the person signed in; Frontdesk's values are `FRONTDESK_ACR`'s. */
  acr?: string;
  /** The methods the person signed in with (RFC 8176: `pwd`, `otp`, `hwk`, `mfa`, ...). */
  amr?: string[];
  /**
   * RFC 8693 4.1, in tokens obtained by token exchange with an actor: who acts for `sub` (the
   * calling service). A nested `act` names earlier actors, for information only.
   */
  act?: ActorClaim;
}

/** The `act` claim of an exchanged token (RFC 8693 4.1). */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

/**
 * The scopes granted by a token, from its space-delimited `scope` claim.
 *
 * @example
 * ```ts
 * scopesOf({ scope: "read  write" }); // ["read", "write"]
 * ```
 */
export function scopesOf(claims: { scope?: unknown }): string[] {
  const scope = claims.scope;
  if (typeof scope !== "string") return [];
  return scope.split(" ").filter((s) => s.length > 0);
}

/**
 * Throws an `insufficient_scope` {@link GuardError} (HTTP 403) unless the token grants every required scope.
 *
 * @example
 * ```ts
 * assertScopes(claims, ["orders:read"]);
 * ```
 */
export function assertScopes(claims: { scope?: unknown }, required: readonly string[]): void {
  if (required.length === 0) return;
  const granted = new Set(scopesOf(claims));
  if (required.every((s) => granted.has(s))) return;
  throw new GuardError("insufficient_scope", {
    reason: "scope_missing",
    description: "the token does not grant the required scope",
    scopes: required,
  });
}
