import { redirectUriProblem } from "../oauth/redirect-uri.js";
import { parseScope } from "../oauth/scopes.js";
import type { Revocations } from "../revocation/revocations.js";
import type { ClientChanges, ClientMetadata, ClientRecord, DurableStore } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { newId } from "../tokens/opaque.js";
import { clientChanged, forgetClient } from "./client-cache.js";
import { newClientSecret } from "./secrets.js";

export const SUPPORTED_GRANT_TYPES = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code",
] as const;

export interface ClientInput {
  name: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes: string[];
  scopes: string;
  public?: boolean;
  firstParty?: boolean;
  /** Registration metadata beyond the core fields (keys, ID-token algorithm, …). */
  metadata?: ClientMetadata;
}

/** A registration the caller must fix; the message says what. */
export class InvalidClientMetadata extends Error {}

function checkRedirectUri(uri: string, what: string): void {
  const problem = redirectUriProblem(uri, what);
  if (problem) throw new InvalidClientMetadata(problem);
}

function validate(input: ClientInput): void {
  if (!input.name.trim()) throw new InvalidClientMetadata("name must not be empty");
  for (const g of input.grantTypes)
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(g))
      throw new InvalidClientMetadata(
        `grant type "${g}" is not supported (use ${SUPPORTED_GRANT_TYPES.join(", ")})`,
      );
  if (!input.grantTypes.length) throw new InvalidClientMetadata("at least one grant type is required");
  if (input.public && input.grantTypes.includes("client_credentials"))
    throw new InvalidClientMetadata("a public client cannot use client_credentials");
  if (input.grantTypes.includes("authorization_code") && !input.redirectUris?.length)
    throw new InvalidClientMetadata("authorization_code needs at least one --redirect-uri");
  for (const uri of input.redirectUris ?? []) checkRedirectUri(uri, "redirect URI");
  for (const uri of input.postLogoutRedirectUris ?? []) checkRedirectUri(uri, "post-logout redirect URI");
  try {
    parseScope(input.scopes);
  } catch (error) {
    throw new InvalidClientMetadata((error as Error).message);
  }
}

/** Registers a client. The secret (confidential clients) is returned once and stored only as a hash. */
export async function registerClient(
  ctx: { durable: DurableStore },
  input: ClientInput,
): Promise<{ client: ClientRecord; secret?: string }> {
  validate(input);
  const generated = input.public ? undefined : newClientSecret();
  const client: ClientRecord = {
    id: newId(),
    name: input.name.trim(),
    secretHash: generated?.hash ?? null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    tokenEndpointAuthMethod: input.public ? "none" : "client_secret_basic",
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

/** What `updateClient` may change: any of the registration fields except public/confidential. */
export type ClientUpdate = Partial<Omit<ClientInput, "public">>;

/**
 * Changes a client's metadata. The result must pass the same rules as a registration
 * (`authorization_code` still needs a redirect URI, and so on); lists given replace
 * the stored ones. Every process sees the change at once (clients/client-cache.ts).
 * Returns undefined when no such client.
 */
export async function updateClient(
  ctx: { durable: DurableStore; fast: Pick<FastStore, "set"> },
  clientId: string,
  update: ClientUpdate,
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
    firstParty: update.firstParty ?? current.firstParty,
  };
  validate(merged);
  const changes: ClientChanges = {};
  if (update.name !== undefined) changes.name = merged.name.trim();
  if (update.redirectUris !== undefined) changes.redirectUris = [...new Set(update.redirectUris)];
  if (update.postLogoutRedirectUris !== undefined)
    changes.postLogoutRedirectUris = [...new Set(update.postLogoutRedirectUris)];
  if (update.grantTypes !== undefined) changes.grantTypes = [...new Set(update.grantTypes)];
  if (update.scopes !== undefined) changes.scopes = parseScope(update.scopes);
  if (update.firstParty !== undefined) changes.firstParty = update.firstParty;
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
