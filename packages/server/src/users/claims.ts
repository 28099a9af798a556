import type { UserRecord } from "../storage/durable/types.js";

/** Claims released for the granted scopes (OIDC Core 5.4): in UserInfo, and in the ID token. */
export function profileClaims(user: UserRecord, scopes: readonly string[]): Record<string, unknown> {
  return {
    ...(scopes.includes("profile") ? { preferred_username: user.username, name: user.username } : {}),
    ...(scopes.includes("email") && user.email
      ? { email: user.email, email_verified: user.emailVerified }
      : {}),
  };
}
