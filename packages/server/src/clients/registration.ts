import { redirectUriProblem } from "../oauth/redirect-uri.js";
import { parseScope } from "../oauth/scopes.js";
import { TOKEN_EXCHANGE_GRANT } from "../oauth/token-exchange.js";
import type { Revocations } from "../revocation/revocations.js";
import type {
  ClientChanges,
  ClientMetadata,
  ClientRecord,
  DurableStore,
  TokenEndpointAuthMethod,
} from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { newId } from "../tokens/opaque.js";
import { clientChanged, forgetClient } from "./client-cache.js";
import { newClientSecret } from "./secrets.js";

/**
 * What a client may register on this server: the grant types and token endpoint
 * authentication methods of the enabled features (the registry's, which discovery
 * advertises). Every caller passes it; nothing here lists them.
 */
export interface RegistrationOffer {
  grantTypes: readonly string[];
  authMethods: readonly string[];
}

export interface ClientInput {
  name: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes: string[];
  scopes: string;
  public?: boolean;
  /** How it authenticates at the token endpoint (default client_secret_basic, or none when `public`). */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  firstParty?: boolean;
  /** Registration metadata beyond the core fields (keys, ID-token algorithm, …). */
  metadata?: ClientMetadata;
}

/** A registration the caller must fix; the message says what, `field` which metadata field (RFC 7591 name). */
export class InvalidClientMetadata extends Error {
  constructor(
    message: string,
    readonly field?: string,
    /** The RFC 7591 error code it answers with at the registration endpoint. */
    readonly code: "invalid_client_metadata" | "invalid_redirect_uri" = "invalid_client_metadata",
  ) {
    super(message);
  }
}

/** Whether clients with this method hold a client secret. */
export function usesClientSecret(method: TokenEndpointAuthMethod): boolean {
  return method === "client_secret_basic" || method === "client_secret_post";
}

function authMethodOf(
  input: Pick<ClientInput, "public" | "tokenEndpointAuthMethod">,
): TokenEndpointAuthMethod {
  return input.tokenEndpointAuthMethod ?? (input.public ? "none" : "client_secret_basic");
}

function checkRedirectUri(uri: string, what: string, field: string): void {
  const problem = redirectUriProblem(uri, what);
  if (problem) throw new InvalidClientMetadata(problem, field, "invalid_redirect_uri");
}

/** Throws InvalidClientMetadata when registerClient would refuse the input (so a caller can check first). */
export function checkRegistration(input: ClientInput, offer: RegistrationOffer): void {
  checkOffered({ grantTypes: input.grantTypes, authMethod: authMethodOf(input) }, offer);
  validate(input);
}

/** The grant types and authentication method given are ones this server offers. */
function checkOffered(
  given: { grantTypes?: readonly string[]; authMethod?: string },
  offer: RegistrationOffer,
): void {
  for (const g of given.grantTypes ?? [])
    if (!offer.grantTypes.includes(g))
      throw new InvalidClientMetadata(
        `grant type "${g}" is not supported (use ${offer.grantTypes.join(", ")})`,
        "grant_types",
      );
  if (given.authMethod !== undefined && !offer.authMethods.includes(given.authMethod))
    throw new InvalidClientMetadata(
      `token endpoint authentication method "${given.authMethod}" is not supported (use ${offer.authMethods.join(", ")})`,
      "token_endpoint_auth_method",
    );
}

/** A key set registered by value holds public keys only (no private or symmetric key material). */
function checkPublicJwks(jwks: ClientMetadata["jwks"]): void {
  if (!jwks) return;
  if (!Array.isArray(jwks.keys) || !jwks.keys.length)
    throw new InvalidClientMetadata("jwks must be a JWK Set with at least one key");
  for (const key of jwks.keys)
    if (!key || typeof key !== "object" || "d" in key || "k" in key || key.kty === "oct")
      throw new InvalidClientMetadata("jwks must hold public keys only (no private or symmetric keys)");
}

function validateKeyAuthentication(input: ClientInput): void {
  const { jwks, jwksUri } = input.metadata ?? {};
  if (jwks && jwksUri) throw new InvalidClientMetadata("give jwks or jwks_uri, not both");
  checkPublicJwks(jwks);
  if (input.tokenEndpointAuthMethod !== "private_key_jwt") return;
  if (input.public) throw new InvalidClientMetadata("a public client cannot use private_key_jwt");
  if (!jwks && !jwksUri) throw new InvalidClientMetadata("private_key_jwt needs jwks or jwks_uri");
}

function validate(input: ClientInput): void {
  if (!input.name.trim()) throw new InvalidClientMetadata("name must not be empty", "client_name");
  if (!input.grantTypes.length)
    throw new InvalidClientMetadata("at least one grant type is required", "grant_types");
  const method = authMethodOf(input);
  if (input.public && method !== "none")
    throw new InvalidClientMetadata(
      `a public client authenticates with "none", not ${method}`,
      "token_endpoint_auth_method",
    );
  for (const machineGrant of ["client_credentials", TOKEN_EXCHANGE_GRANT])
    if (method === "none" && input.grantTypes.includes(machineGrant))
      throw new InvalidClientMetadata(`a public client cannot use ${machineGrant}`, "grant_types");
  if (input.metadata?.tokenExchangeAudiences?.length && !input.grantTypes.includes(TOKEN_EXCHANGE_GRANT))
    throw new InvalidClientMetadata(
      `token_exchange_audiences needs grant type ${TOKEN_EXCHANGE_GRANT}`,
      "token_exchange_audiences",
    );
  if (method === "private_key_jwt" && !input.metadata?.jwks && !input.metadata?.jwksUri)
    throw new InvalidClientMetadata("private_key_jwt needs the client's keys: jwks or jwks_uri", "jwks");
  if (input.grantTypes.includes("authorization_code") && !input.redirectUris?.length)
    throw new InvalidClientMetadata(
      "authorization_code needs at least one --redirect-uri",
      "redirect_uris",
      "invalid_redirect_uri",
    );
  for (const uri of input.redirectUris ?? []) checkRedirectUri(uri, "redirect URI", "redirect_uris");
  for (const uri of input.postLogoutRedirectUris ?? [])
    checkRedirectUri(uri, "post-logout redirect URI", "post_logout_redirect_uris");
  validateKeyAuthentication(input);
  try {
    parseScope(input.scopes);
  } catch (error) {
    throw new InvalidClientMetadata((error as Error).message, "scope");
  }
}

/**
 * Registers a client, with grant types and an authentication method from `offer`. The
 * secret (confidential clients authenticating with one) is returned once and stored
 * only as a hash; `private_key_jwt` clients get none.
 */
export async function registerClient(
  ctx: { durable: DurableStore },
  input: ClientInput,
  offer: RegistrationOffer,
): Promise<{ client: ClientRecord; secret?: string }> {
  checkRegistration(input, offer);
  const method = authMethodOf(input);
  const generated = usesClientSecret(method) ? newClientSecret() : undefined;
  const client: ClientRecord = {
    id: newId(),
    name: input.name.trim(),
    secretHash: generated?.hash ?? null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    tokenEndpointAuthMethod: method,
    redirectUris: [...new Set(input.redirectUris ?? [])],
    postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris ?? [])],
    grantTypes: [...new Set(input.grantTypes)],
    scopes: parseScope(input.scopes),
    firstParty: Boolean(input.firstParty),
    disabled: false,
    createdAt: Math.floor(Date.now() / 1000),
    metadata: input.metadata ?? {},
  };
  await ctx.durable.clients.create(client);
  return { client, ...(generated ? { secret: generated.secret } : {}) };
}

/**
 * What `updateClient` may change: any of the registration fields except
 * public/confidential (the token endpoint method only within secret-based methods;
 * `metadata` given replaces the stored one).
 */
export type ClientUpdate = Partial<Omit<ClientInput, "public">>;

/**
 * Changes a client's metadata. The result must pass the same rules as a registration
 * (`authorization_code` still needs a redirect URI, and so on); lists given replace
 * the stored ones. Grant types and the method given must be in `offer`; what the
 * client already holds is kept even when its feature was switched off since (it
 * does nothing then). Every process sees the change at once (clients/client-cache.ts).
 * Returns undefined when no such client.
 */
export async function updateClient(
  ctx: { durable: DurableStore; fast: Pick<FastStore, "set"> },
  clientId: string,
  update: ClientUpdate,
  offer: RegistrationOffer,
): Promise<ClientRecord | undefined> {
  const current = await ctx.durable.clients.get(clientId);
  if (!current) return undefined;
  const merged: ClientInput = {
    name: update.name ?? current.name,
    redirectUris: update.redirectUris ?? current.redirectUris,
    postLogoutRedirectUris: update.postLogoutRedirectUris ?? current.postLogoutRedirectUris,
    grantTypes: update.grantTypes ?? current.grantTypes,
    scopes: update.scopes ?? current.scopes.join(" "),
    public: current.tokenEndpointAuthMethod === "none",
    tokenEndpointAuthMethod: update.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod,
    firstParty: update.firstParty ?? current.firstParty,
    metadata: update.metadata ?? current.metadata,
  };
  const method = authMethodOf(merged);
  if (
    method !== current.tokenEndpointAuthMethod &&
    !(usesClientSecret(method) && usesClientSecret(current.tokenEndpointAuthMethod))
  )
    throw new InvalidClientMetadata(
      `token_endpoint_auth_method cannot change from ${current.tokenEndpointAuthMethod} to ${method}: register a new client`,
      "token_endpoint_auth_method",
    );
  checkOffered({ grantTypes: update.grantTypes, authMethod: update.tokenEndpointAuthMethod }, offer);
  validate(merged);
  const changes: ClientChanges = {};
  if (update.name !== undefined) changes.name = merged.name.trim();
  if (update.redirectUris !== undefined) changes.redirectUris = [...new Set(update.redirectUris)];
  if (update.postLogoutRedirectUris !== undefined)
    changes.postLogoutRedirectUris = [...new Set(update.postLogoutRedirectUris)];
  if (update.grantTypes !== undefined) changes.grantTypes = [...new Set(update.grantTypes)];
  if (update.scopes !== undefined) changes.scopes = parseScope(update.scopes);
  if (update.firstParty !== undefined) changes.firstParty = update.firstParty;
  if (update.metadata !== undefined) changes.metadata = update.metadata;
  if (update.tokenEndpointAuthMethod !== undefined) changes.tokenEndpointAuthMethod = method;
  if (!(await ctx.durable.clients.update(clientId, changes))) return undefined;
  await clientChanged(ctx, clientId);
  return { ...current, ...changes };
}

/** How long the old secret keeps working after `rotateClientSecret`, by default: 24 hours. */
export const DEFAULT_SECRET_GRACE = 24 * 60 * 60;

/**
 * Issues a new secret for a confidential client (returned once, stored as a hash).
 * The old secret keeps working for `graceSeconds` (0: it stops at once), so the
 * client's deployments can switch without downtime; an earlier previous secret stops
 * at once. Every process sees the change at once. Returns undefined when no such client.
 */
export async function rotateClientSecret(
  ctx: { durable: DurableStore; fast: Pick<FastStore, "set"> },
  clientId: string,
  options: { graceSeconds?: number; now?: () => number } = {},
): Promise<{ client: ClientRecord; secret: string } | undefined> {
  const grace = options.graceSeconds ?? DEFAULT_SECRET_GRACE;
  if (!Number.isSafeInteger(grace) || grace < 0)
    throw new InvalidClientMetadata("grace: a whole number of seconds, 0 or more");
  const current = await ctx.durable.clients.get(clientId);
  if (!current) return undefined;
  if (current.tokenEndpointAuthMethod === "none")
    throw new InvalidClientMetadata("a public client has no secret to rotate");
  if (current.tokenEndpointAuthMethod === "private_key_jwt")
    throw new InvalidClientMetadata("a private_key_jwt client has no secret to rotate (it rotates its keys)");
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  const previousExpiresAt = grace > 0 ? now + grace : null;
  const generated = newClientSecret();
  if (!(await ctx.durable.clients.rotateSecret(clientId, generated.hash, previousExpiresAt)))
    return undefined;
  await clientChanged(ctx, clientId);
  const client = await ctx.durable.clients.get(clientId);
  if (!client) return undefined;
  return { client, secret: generated.secret };
}

/** Deletes a client and revokes everything it holds: refresh families, and (via the feed) its access tokens. */
export async function deleteClient(
  ctx: { durable: DurableStore; revocations: Revocations },
  clientId: string,
): Promise<boolean> {
  const existed = await ctx.durable.clients.delete(clientId);
  forgetClient(ctx.durable, clientId);
  if (!existed) return false;
  await ctx.durable.refreshTokens.revokeFamiliesOf({ clientId }, Math.floor(Date.now() / 1000));
  await ctx.revocations.revokeClient(clientId);
  return true;
}

/** The public view of a client (never a secret hash). One argument: it is passed to `map`. */
export function describeClient(c: ClientRecord) {
  const now = Math.floor(Date.now() / 1000);
  const previousLive = c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt > now;
  return {
    client_id: c.id,
    name: c.name,
    public: c.tokenEndpointAuthMethod === "none",
    first_party: c.firstParty,
    grant_types: c.grantTypes,
    scopes: c.scopes,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    /** Until when the secret before the last rotation still works (null: it does not). */
    previous_secret_expires_at: previousLive ? c.previousSecretExpiresAt : null,
    created_at: c.createdAt,
  };
}
