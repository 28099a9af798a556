import type { PresetName, ProviderKind, ProviderSettings } from "./records.js";

/** What a preset fills in; anything given on the command line overrides it. */
export interface Preset {
  kind: ProviderKind;
  name: string;
  settings: Partial<ProviderSettings>;
}

/**
 * The well-known providers. Each is documented in docs/upstream-providers.md with its
 * provider-side set-up (the redirect URI to register).
 */
export const PRESET_SETTINGS: Record<PresetName, Preset> = {
  google: {
    kind: "oidc",
    name: "Google",
    settings: { issuer: "https://accounts.google.com", scopes: ["openid", "email", "profile"] },
  },
  gitlab: {
    kind: "oidc",
    name: "GitLab",
    settings: { issuer: "https://gitlab.com", scopes: ["openid", "email", "profile"] },
  },
  microsoft: {
    kind: "oidc",
    name: "Microsoft",
    settings: {
      // The multi-tenant endpoint: any work, school or personal account; tokens name their tenant (`tid`).
      issuer: "https://login.microsoftonline.com/common/v2.0",
      tenantIssuerTemplate: "https://login.microsoftonline.com/{tenantid}/v2.0",
      scopes: ["openid", "email", "profile"],
    },
  },
  apple: {
    kind: "oidc",
    name: "Apple",
    settings: {
      issuer: "https://appleid.apple.com",
      scopes: ["openid", "name", "email"],
      // Apple posts the answer back when name or email is asked for.
      responseMode: "form_post",
    },
  },
  github: {
    kind: "oauth2",
    name: "GitHub",
    settings: {
      issuer: "https://github.com",
      authorizationEndpoint: "https://github.com/login/oauth/authorize",
      tokenEndpoint: "https://github.com/login/oauth/access_token",
      userinfoEndpoint: "https://api.github.com/user",
      emailsEndpoint: "https://api.github.com/user/emails",
      claims: { sub: "id", name: "name", preferred_username: "login" },
      scopes: ["read:user", "user:email"],
    },
  },
};

/**
 * Presets whose address claim the provider does not verify: `--trust-email` is refused
 * for them (Microsoft's `email` is whatever a tenant administrator typed: "nOAuth").
 */
export const UNVERIFIED_EMAIL_PRESETS: readonly PresetName[] = ["microsoft"];
