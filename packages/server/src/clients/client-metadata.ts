import { ACR_LEVELS } from "../oauth/assurance.js";
import { LOOPBACK_HOSTS } from "../oauth/redirect-uri.js";
import { isOneOf, RESPONSE_TYPES } from "../oauth/response-type.js";
import type { ClientMetadata, ClientRecord } from "../storage/durable/types.js";
import { type ClientInput, InvalidClientMetadata, type RegistrationOffer } from "./registration.js";

/** Algorithms a client may choose for its ID tokens (RS256 when it names none). */
export const ID_TOKEN_ALGS = ["RS256", "ES256", "EdDSA"] as const;

/** JWK members that only a private or symmetric key has: never accepted in a client's jwks. */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/** What the caller allows beyond the rules every registration follows. */
export interface MetadataPolicy {
  /** The grant types and token endpoint authentication methods of the enabled features. */
  offer: RegistrationOffer;
  /** Scopes the client may register; undefined: any well-formed scope (an administrator decides). */
  offeredScopes?: readonly string[];
  /** The scope registered when the document has none. */
  defaultScope?: string;
  /** The name registered when the document has no client_name. */
  defaultName?: string;
  /** The configured resources, the only values token_exchange_audiences may name. */
  resources?: readonly string[];
}

type Doc = Record<string, unknown>;

const fail = (field: string, message: string): never => {
  throw new InvalidClientMetadata(`${field}: ${message}`, field);
};

function optionalString(doc: Doc, field: string): string | undefined {
  const value = doc[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") return fail(field, "must be a non-empty string");
  return value;
}

function optionalBoolean(doc: Doc, field: string): boolean | undefined {
  const value = doc[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") return fail(field, "must be true or false");
  return value;
}

function stringList(doc: Doc, field: string): string[] | undefined {
  const value = doc[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === ""))
    return fail(field, "must be an array of non-empty strings");
  return value as string[];
}

/** An absolute URL without fragment, https only (or also http to a loopback host when `loopbackHttp`). */
function urlField(doc: Doc, field: string, loopbackHttp: boolean): string | undefined {
  const value = optionalString(doc, field);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(field, `"${value}" is not an absolute URL`);
  }
  if (value.includes("#")) return fail(field, `"${value}" must not contain a fragment`);
  const loopback = (LOOPBACK_HOSTS as readonly string[]).includes(url.hostname.toLowerCase());
  if (url.protocol === "https:" || (loopbackHttp && url.protocol === "http:" && loopback)) return value;
  return fail(field, `"${value}" must use https${loopbackHttp ? " (http only for a loopback host)" : ""}`);
}

function jwksField(doc: Doc): ClientMetadata["jwks"] {
  const value = doc.jwks;
  if (value === undefined) return undefined;
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== "object" || value === null || !Array.isArray(keys) || keys.length === 0)
    return fail("jwks", 'must be a JWK Set: {"keys": [ ...public keys ]}');
  for (const key of keys as unknown[]) {
    if (typeof key !== "object" || key === null || typeof (key as Doc).kty !== "string")
      return fail("jwks", "every key must be a JWK with a kty");
    if (PRIVATE_JWK_MEMBERS.some((m) => m in (key as Doc)))
      return fail("jwks", "must hold public keys only (a private or symmetric key was given)");
  }
  return { keys: keys as Record<string, unknown>[] };
}

function tokenExchangeAudiencesField(doc: Doc, policy: MetadataPolicy): string[] | undefined {
  const audiences = stringList(doc, "token_exchange_audiences");
  const resources = policy.resources ?? [];
  for (const audience of audiences ?? [])
    if (!resources.includes(audience))
      fail(
        "token_exchange_audiences",
        `"${audience}" is not a configured resource (${resources.length ? `use ${resources.join(", ")}` : "none is configured"})`,
      );
  return audiences?.length ? [...new Set(audiences)] : undefined;
}

/** `default_acr_values`: only values this server can reach (a client could otherwise never sign anyone in). */
function acrValuesField(doc: Doc): string[] | undefined {
  const values = stringList(doc, "default_acr_values");
  for (const value of values ?? [])
    if (!(ACR_LEVELS as readonly string[]).includes(value))
      fail(
        "default_acr_values",
        `"${value}" is not an acr value this server offers (use ${ACR_LEVELS.join(", ")})`,
      );
  return values?.length ? [...new Set(values)] : undefined;
}

function scopeField(doc: Doc, policy: MetadataPolicy): string {
  const scope = doc.scope === undefined ? policy.defaultScope : doc.scope;
  if (scope === undefined) return "";
  if (typeof scope !== "string") return fail("scope", "must be a space-separated string");
  const offered = policy.offeredScopes;
  if (offered)
    for (const s of scope.split(" ").filter(Boolean))
      if (!offered.includes(s)) fail("scope", `"${s}" is not a scope this server offers`);
  return scope;
}

/** grant_types and response_types, each defaulted from the other and consistent (RFC 7591 2.1). */
function grantsAndResponses(doc: Doc, offer: RegistrationOffer): string[] {
  const responses = stringList(doc, "response_types");
  const grants = stringList(doc, "grant_types") ?? (responses?.length === 0 ? [] : ["authorization_code"]);
  for (const g of grants)
    if (!offer.grantTypes.includes(g))
      fail("grant_types", `grant type "${g}" is not supported (use ${offer.grantTypes.join(", ")})`);
  if (grants.length === 0) fail("grant_types", "at least one grant type is required");
  const wantsCode = grants.includes("authorization_code");
  const resolved = responses ?? (wantsCode ? ["code"] : []);
  for (const r of resolved)
    if (!isOneOf(RESPONSE_TYPES, r))
      fail("response_types", `"${r}" is not supported (use ${RESPONSE_TYPES.join(", ")})`);
  if (wantsCode !== resolved.includes("code"))
    fail(
      "response_types",
      wantsCode
        ? 'grant type authorization_code needs response type "code"'
        : 'response type "code" needs grant type authorization_code',
    );
  return grants;
}

function metadataFields(doc: Doc, policy: MetadataPolicy): ClientMetadata {
  const jwks = jwksField(doc);
  const jwksUri = urlField(doc, "jwks_uri", true);
  if (jwks && jwksUri) fail("jwks", "give jwks or jwks_uri, not both");
  const alg = optionalString(doc, "id_token_signed_response_alg");
  if (alg !== undefined && !(ID_TOKEN_ALGS as readonly string[]).includes(alg))
    fail("id_token_signed_response_alg", `"${alg}" is not supported (use ${ID_TOKEN_ALGS.join(", ")})`);
  const entries: [keyof ClientMetadata, unknown][] = [
    ["jwks", jwks],
    ["jwksUri", jwksUri],
    ["idTokenSignedResponseAlg", alg],
    ["requirePushedAuthorizationRequests", optionalBoolean(doc, "require_pushed_authorization_requests")],
    ["dpopBoundAccessTokens", optionalBoolean(doc, "dpop_bound_access_tokens")],
    ["backchannelLogoutUri", urlField(doc, "backchannel_logout_uri", true)],
    ["backchannelLogoutSessionRequired", optionalBoolean(doc, "backchannel_logout_session_required")],
    ["tokenExchangeAudiences", tokenExchangeAudiencesField(doc, policy)],
    ["defaultAcrValues", acrValuesField(doc)],
    ["logoUri", urlField(doc, "logo_uri", false)],
    ["clientUri", urlField(doc, "client_uri", false)],
    ["policyUri", urlField(doc, "policy_uri", false)],
    ["tosUri", urlField(doc, "tos_uri", false)],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as ClientMetadata;
}

/**
 * Validates client metadata in RFC 7591 / OpenID Connect Registration terms (the
 * registration endpoint's JSON, and the CLI's flags put into the same words) and
 * maps it to a registration. Throws InvalidClientMetadata naming the field (code
 * `invalid_redirect_uri` for redirect URIs); unknown fields are ignored (RFC 7591 2).
 * The rules shared with every registration (grant types, redirect URIs) run again
 * in registerClient.
 */
export function parseClientMetadata(document: unknown, policy: MetadataPolicy): ClientInput {
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw new InvalidClientMetadata("the registration must be a JSON object", "body");
  const doc = document as Doc;
  const method = optionalString(doc, "token_endpoint_auth_method") ?? "client_secret_basic";
  const { authMethods } = policy.offer;
  if (!authMethods.includes(method))
    fail("token_endpoint_auth_method", `"${method}" is not supported (use ${authMethods.join(", ")})`);
  const redirectUris = stringList(doc, "redirect_uris");
  const postLogoutRedirectUris = stringList(doc, "post_logout_redirect_uris");
  const grantTypes = grantsAndResponses(doc, policy.offer);
  const metadata = metadataFields(doc, policy);
  const name = optionalString(doc, "client_name") ?? policy.defaultName ?? "";
  return {
    name,
    redirectUris: redirectUris ?? [],
    postLogoutRedirectUris: postLogoutRedirectUris ?? [],
    grantTypes,
    scopes: scopeField(doc, policy),
    tokenEndpointAuthMethod: method,
    metadata,
  };
}

/** A registered client in RFC 7591 / OpenID Connect Registration terms (never a secret). */
export function clientMetadataDocument(client: ClientRecord): Record<string, unknown> {
  const m = client.metadata;
  const document: Record<string, unknown> = {
    client_id: client.id,
    client_id_issued_at: client.createdAt,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes("authorization_code") ? ["code"] : [],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    scope: client.scopes.join(" "),
    id_token_signed_response_alg: m.idTokenSignedResponseAlg ?? "RS256",
    jwks: m.jwks,
    jwks_uri: m.jwksUri,
    require_pushed_authorization_requests: m.requirePushedAuthorizationRequests ?? false,
    dpop_bound_access_tokens: m.dpopBoundAccessTokens ?? false,
    backchannel_logout_uri: m.backchannelLogoutUri,
    backchannel_logout_session_required: m.backchannelLogoutUri
      ? (m.backchannelLogoutSessionRequired ?? false)
      : undefined,
    token_exchange_audiences: m.tokenExchangeAudiences,
    default_acr_values: m.defaultAcrValues,
    logo_uri: m.logoUri,
    client_uri: m.clientUri,
    policy_uri: m.policyUri,
    tos_uri: m.tosUri,
  };
  return Object.fromEntries(Object.entries(document).filter(([, v]) => v !== undefined));
}
