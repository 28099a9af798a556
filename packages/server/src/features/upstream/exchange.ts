import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify } from "jose";
import type * as Oidc from "openid-client";
import type { FetchFunction } from "../../outbound/guarded-fetch.js";
import { openidClient } from "./openid-client.js";
import type { MappedClaim, ProviderRecord } from "./records.js";

/** Who the provider says the person is, in Frontdesk's terms. */
export interface UpstreamProfile {
  issuer: string;
  subject: string;
  email: string | null;
  /** The provider says the address is verified (whether that is trusted is the provider's `trustEmail`). */
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
}

/** What a sign-in started with, checked when the provider answers. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The provider answered, but not with a usable sign-in: what to tell the person and the log. */
export class UpstreamRefused extends Error {
  constructor(
    /** `access_denied`, `invalid_response`, `unavailable`, … */
    readonly reason: "access_denied" | "provider_error" | "invalid_response" | "unavailable",
    message: string,
    /** The provider's own error code and description, for the log. */
    readonly providerError?: { error?: string; error_description?: string },
  ) {
    super(message);
  }
}

/** The authorization request to send the browser to: code flow with PKCE, `state` and (OpenID) `nonce`. */
export async function authorizationUrl(
  provider: ProviderRecord,
  config: Oidc.Configuration,
  redirectUri: string,
  checks: FlowChecks,
  loginHint?: string,
): Promise<URL> {
  const s = provider.settings;
  const oidc = await openidClient();
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    response_type: "code",
    ...(s.scopes.length ? { scope: s.scopes.join(" ") } : {}),
    state: checks.state,
    ...(provider.kind === "oidc" ? { nonce: checks.nonce } : {}),
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
    code_challenge_method: "S256",
    ...(s.responseMode === "form_post" ? { response_mode: "form_post" } : {}),
    ...(loginHint ? { login_hint: loginHint } : {}),
  });
}

const text = (v: unknown) =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
const truthy = (v: unknown) => v === true || v === "true";

function field(source: Record<string, unknown>, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (at, key) => (at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined),
      source,
    );
}

/** Reads the mapped claims (`sub=id`: Frontdesk's `sub` from the upstream's `id`). */
export function mapClaims(
  provider: ProviderRecord,
  issuer: string,
  source: Record<string, unknown>,
): UpstreamProfile {
  const at = (claim: MappedClaim) => field(source, provider.settings.claims[claim] ?? claim);
  const subject = text(at("sub"));
  if (!subject) throw new UpstreamRefused("invalid_response", "the provider's answer names no user (sub)");
  return {
    issuer,
    subject,
    email: text(at("email"))?.toLowerCase() ?? null,
    emailVerified: truthy(at("email_verified")),
    name: text(at("name")),
    preferredUsername: text(at("preferred_username")),
  };
}

/** GitHub: the verified primary address from the list of the person's addresses. */
async function primaryVerifiedEmail(config: Oidc.Configuration, accessToken: string, url: string) {
  const oidc = await openidClient();
  const response = await oidc.fetchProtectedResource(
    config,
    accessToken,
    new URL(url),
    "GET",
    undefined,
    new Headers({ accept: "application/json" }),
  );
  if (!response.ok) return undefined;
  const list = (await response.json()) as { email?: string; primary?: boolean; verified?: boolean }[];
  return Array.isArray(list) ? list.find((e) => e.primary === true && e.verified === true)?.email : undefined;
}

/**
 * Microsoft's multi-tenant endpoint publishes a templated issuer; its ID tokens carry
 * their tenant's. The token is verified (jose, the provider's keys) against the
 * template filled in with the token's own `tid`, and nothing else is relaxed.
 */
export async function verifyTenantIdToken(
  provider: ProviderRecord,
  metadata: Oidc.ServerMetadata,
  idToken: string,
  nonce: string,
  keysFetch: { fetch: FetchFunction; timeoutMs: number },
): Promise<Record<string, unknown>> {
  const template = provider.settings.tenantIssuerTemplate as string;
  const tid = decodeJwt(idToken).tid;
  if (typeof tid !== "string" || !/^[0-9a-f-]{36}$/.test(tid))
    throw new UpstreamRefused("invalid_response", "the ID token names no tenant (tid)");
  if (!metadata.jwks_uri) throw new UpstreamRefused("invalid_response", "the provider publishes no keys");
  const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
    [customFetch]: keysFetch.fetch,
    timeoutDuration: keysFetch.timeoutMs,
  });
  const { payload } = await jwtVerify(idToken, keys, {
    issuer: template.replace("{tenantid}", tid),
    audience: provider.clientId,
    algorithms: ["RS256"],
  });
  if (payload.nonce !== nonce)
    throw new UpstreamRefused("invalid_response", "the ID token's nonce does not match");
  return payload as Record<string, unknown>;
}

/**
 * Completes a sign-in at the provider: the callback's parameters checked (`state`,
 * `iss` when the provider sends it, its error), the code exchanged with the PKCE
 * verifier, the ID token validated (`nonce`), then the person's claims read from the
 * ID token and user info (OpenID) or from the user-info endpoint (plain OAuth 2.0).
 */
export async function exchangeCode(
  provider: ProviderRecord,
  config: Oidc.Configuration,
  callback: URL,
  checks: FlowChecks,
  /** The outbound guard's fetch (UpstreamProviders.fetch), for the requests made here. */
  guarded: FetchFunction,
): Promise<UpstreamProfile> {
  const oidc = await openidClient();
  const error = callback.searchParams.get("error");
  if (error) {
    const description = callback.searchParams.get("error_description") ?? undefined;
    throw new UpstreamRefused(
      error === "access_denied" ? "access_denied" : "provider_error",
      `the provider answered ${error}`,
      {
        error,
        ...(description ? { error_description: description } : {}),
      },
    );
  }
  const metadata = config.serverMetadata();
  const oidcKind = provider.kind === "oidc";
  const tenantTemplated = oidcKind && provider.settings.tenantIssuerTemplate !== null;
  let heldIdToken: string | undefined;
  if (tenantTemplated || !oidcKind) {
    // The ID token is taken out of the token response: verified against its tenant's issuer below, or
    // (a plain OAuth 2.0 provider's, never asked for) not used at all.
    config[oidc.customFetch] = async (url, options) => {
      const response = await guarded(url, options);
      if (url !== metadata.token_endpoint || !response.ok) return response;
      const body = (await response.json()) as Record<string, unknown>;
      heldIdToken = typeof body.id_token === "string" ? body.id_token : undefined;
      delete body.id_token;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
  }
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: checks.codeVerifier,
    expectedState: checks.state,
    ...(oidcKind && !tenantTemplated ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
  });
  let claims: Record<string, unknown> = {};
  let issuer = provider.settings.issuer;
  if (tenantTemplated) {
    if (!heldIdToken) throw new UpstreamRefused("invalid_response", "the provider returned no ID token");
    claims = await verifyTenantIdToken(provider, metadata, heldIdToken, checks.nonce, {
      fetch: guarded,
      timeoutMs: (config.timeout ?? 30) * 1000,
    });
    issuer = String(claims.iss);
  } else if (oidcKind) {
    claims = { ...(tokens.claims() as Record<string, unknown>) };
    issuer = String(claims.iss);
  }
  if (metadata.userinfo_endpoint) {
    if (oidcKind) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      claims = { ...info, ...claims };
    } else {
      const response = await oidc.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(metadata.userinfo_endpoint),
        "GET",
        undefined,
        new Headers({ accept: "application/json" }),
      );
      if (!response.ok)
        throw new UpstreamRefused("invalid_response", `the user-info endpoint answered ${response.status}`);
      claims = (await response.json()) as Record<string, unknown>;
    }
  }
  const profile = mapClaims(provider, issuer, claims);
  if (provider.settings.emailsEndpoint) {
    const email = await primaryVerifiedEmail(config, tokens.access_token, provider.settings.emailsEndpoint);
    if (email) return { ...profile, email: email.toLowerCase(), emailVerified: true };
  }
  return profile;
}
