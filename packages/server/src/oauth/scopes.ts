import { InvalidScope } from "../errors/oauth-errors.js";

/** The OpenID Connect scopes every deployment offers (besides `config.scopes`). */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Parses a space-delimited `scope` parameter (RFC 6749 3.3), without duplicates. */
export function parseScope(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  const list = scope.split(" ").filter(Boolean);
  for (const s of list) if (!SCOPE_TOKEN.test(s)) throw new InvalidScope(`malformed scope "${s}"`);
  return [...new Set(list)];
}

/** Every requested scope must be allowed; `invalid_scope` names the first that is not. */
export function requireAllowed(requested: readonly string[], allowed: readonly string[]): void {
  const allowedSet = new Set(allowed);
  const refused = requested.find((s) => !allowedSet.has(s));
  if (refused !== undefined)
    throw new InvalidScope(`scope "${refused}" is unknown or not permitted for this client`);
}
