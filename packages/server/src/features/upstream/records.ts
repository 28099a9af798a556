/** OpenID Connect providers are configured from discovery; plain OAuth 2.0 ones from their endpoints. */
export type ProviderKind = "oidc" | "oauth2";

export const PRESETS = ["github", "google", "microsoft", "apple", "gitlab"] as const;
export type PresetName = (typeof PRESETS)[number];

/** What Frontdesk reads about a person (the local names) from an upstream's answer. */
export const MAPPED_CLAIMS = ["sub", "email", "email_verified", "name", "preferred_username"] as const;
export type MappedClaim = (typeof MAPPED_CLAIMS)[number];

/** A provider's settings as stored (JSON), besides its sealed secret. */
export interface ProviderSettings {
  /**
   * The upstream issuer: an OpenID provider's (discovery), or a plain OAuth 2.0
   * provider's identifier (identities are keyed by it).
   */
  issuer: string;
  preset: PresetName | null;
  scopes: string[];
  /** The provider's word that an address is verified is trusted for linking to an existing account. */
  trustEmail: boolean;
  /** Addresses at these domains typed on the sign-in page go to this provider (company SSO). */
  domains: string[];
  /** Plain OAuth 2.0 (or overriding discovery). */
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  userinfoEndpoint: string | null;
  /** Local claim → field of the upstream's user info (`sub=id`). */
  claims: Partial<Record<MappedClaim, string>>;
  /** `form_post` (Apple): the callback is a cross-site POST. */
  responseMode: "query" | "form_post";
  /** The discovered issuer is a template (`{tenantid}`, Microsoft's multi-tenant endpoint): ID tokens name their tenant (`tid`). */
  tenantIssuerTemplate: string | null;
  /** GitHub: the person's verified primary address comes from this list of addresses. */
  emailsEndpoint: string | null;
  /** Apple: the client secret is an ES256 JWT made from this team's key. */
  apple: { teamId: string; keyId: string } | null;
}

/** An upstream identity provider, as stored. Times are epoch seconds. */
export interface ProviderRecord {
  /** Lower-case letters, digits and `-`: the callback path `/upstream/<id>/callback`. */
  id: string;
  /** Shown on the button: `Continue with <name>`. */
  name: string;
  kind: ProviderKind;
  clientId: string;
  /** The client secret or Apple's private key, sealed (JWE); null for none. */
  sealedSecret: string | null;
  settings: ProviderSettings;
  createdAt: number;
}

/** A person's identity at an upstream provider, linked to a local user. */
export interface IdentityRecord {
  id: string;
  providerId: string;
  /** The upstream `iss` (per tenant for multi-tenant providers). */
  issuer: string;
  /** The upstream `sub`. */
  subject: string;
  userId: string;
  /** The address the provider gave at the last sign-in (for people to recognise it; never a key). */
  email: string | null;
  createdAt: number;
  lastUsedAt: number;
}
