import { importPKCS8 } from "jose";
import type { Logger } from "pino";
import type { UserRecord } from "../../storage/durable/types.js";
import type { CoreServices } from "../contract.js";
import { InvalidProviderInput, type NewProvider, UpstreamProviders } from "./providers.js";
import { type IdentityRecord, PRESETS, type ProviderRecord } from "./records.js";
import { type IdentityRepository, identityRepository, providerRepository } from "./repositories.js";
import { ProviderSecrets } from "./secrets.js";

/**
 * What operators do to upstream providers and linked identities, the same from the CLI
 * (`frontdesk upstream …`, `frontdesk user identities …`) and the admin API: add, list,
 * remove, describe (never a secret), and unlink with the "last way in" rule.
 */

/** The providers and identities over a server's stores (the feature, the CLI and the admin API share them). */
export function upstreamServices(
  services: Pick<CoreServices, "config" | "durable" | "outbound">,
  timeout: number,
) {
  return {
    providers: new UpstreamProviders(
      {
        config: services.config,
        providers: providerRepository(services.durable),
        secrets: new ProviderSecrets(services.config.keyEncryptionSecret),
        outbound: services.outbound,
      },
      { timeout },
    ),
    identities: identityRepository(services.durable),
  };
}

/** A new provider as an operator gives it: Apple's three values apart, as the CLI flags are. */
export type OperatorProvider = Omit<NewProvider, "apple"> & {
  appleTeamId?: string;
  appleKeyId?: string;
  /** The `.p8` file's text: a PKCS #8 PEM. */
  applePrivateKey?: string;
};

/** Apple's Team ID and Key ID: ten upper-case letters and digits each. */
const APPLE_ID = /^[A-Z0-9]{10}$/;
const APPLE_FLAGS = "--apple-team-id, --apple-key-id and --apple-private-key-file";

/** Refuses anything but an ES256 (P-256) private key in PKCS #8 PEM: Apple's `.p8` file. */
async function checkAppleKey(pem: string): Promise<void> {
  try {
    await importPKCS8(pem, "ES256");
  } catch {
    throw new InvalidProviderInput(
      "--apple-private-key-file: not an ES256 (P-256) private key in PKCS #8 PEM; give the AuthKey_<key id>.p8 file Apple let you download",
    );
  }
}

/** Apple's values checked (the key imported), or none given. */
async function appleOf(input: OperatorProvider): Promise<NewProvider["apple"]> {
  const { appleTeamId: teamId, appleKeyId: keyId, applePrivateKey: privateKey } = input;
  const given = [teamId, keyId, privateKey].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (input.preset !== "apple") throw new InvalidProviderInput(`${APPLE_FLAGS}: only with --preset apple`);
  if (teamId === undefined || keyId === undefined || privateKey === undefined)
    throw new InvalidProviderInput(`${APPLE_FLAGS}: give all three`);
  if (!APPLE_ID.test(teamId))
    throw new InvalidProviderInput(
      "--apple-team-id: the 10-character Team ID of your Apple developer account",
    );
  if (!APPLE_ID.test(keyId))
    throw new InvalidProviderInput("--apple-key-id: the 10-character ID of the Sign in with Apple key");
  if (input.clientSecret !== undefined)
    throw new InvalidProviderInput(
      "--client-secret: not used with --preset apple (the client secret is made from --apple-private-key-file)",
    );
  await checkAppleKey(privateKey);
  return { teamId, keyId, privateKey };
}

/** Adds a provider after checking what the provider code cannot (Apple's key); nothing is stored on a refusal. */
export async function addProvider(
  deps: { providers: UpstreamProviders; logger: Logger },
  input: OperatorProvider,
): Promise<ProviderRecord> {
  const { appleTeamId: _team, appleKeyId: _key, applePrivateKey: _pem, ...rest } = input;
  if (input.kind !== undefined && input.kind !== "oidc" && input.kind !== "oauth2")
    throw new InvalidProviderInput("--kind: oidc (the default: configured from discovery) or oauth2");
  if (input.preset !== undefined && !(PRESETS as readonly string[]).includes(input.preset))
    throw new InvalidProviderInput(`--preset: one of ${PRESETS.join(", ")}`);
  const apple = await appleOf(input);
  const added = await deps.providers.add({ ...rest, ...(apple ? { apple } : {}) });
  deps.logger.info({ action: "upstream.add", provider: added.id }, "upstream provider added");
  return added;
}

/** Removes a provider and every identity linked through it; false for an unknown id. */
export async function removeProvider(
  deps: { providers: UpstreamProviders; logger: Logger },
  id: string,
): Promise<boolean> {
  if (!(await deps.providers.remove(id))) return false;
  deps.logger.info({ action: "upstream.remove", provider: id }, "upstream provider removed");
  return true;
}

/** A provider as operators see it: its settings and the redirect URI to register; never its secret. */
export function describeProvider(p: ProviderRecord, redirectUri: string) {
  const s = p.settings;
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    preset: s.preset,
    issuer: s.issuer,
    client_id: p.clientId,
    redirect_uri: redirectUri,
    scopes: s.scopes,
    trust_email: s.trustEmail,
    domains: s.domains,
    authorization_endpoint: s.authorizationEndpoint,
    token_endpoint: s.tokenEndpoint,
    userinfo_endpoint: s.userinfoEndpoint,
    claims: s.claims,
    response_mode: s.responseMode,
    apple: s.apple && { team_id: s.apple.teamId, key_id: s.apple.keyId },
    created_at: p.createdAt,
  };
}

/** A linked identity as operators see it. */
export function describeIdentity(i: IdentityRecord) {
  return {
    id: i.id,
    provider: i.providerId,
    issuer: i.issuer,
    subject: i.subject,
    email: i.email,
    created_at: i.createdAt,
    last_used_at: i.lastUsedAt,
  };
}

/** Whether these identities are the user's only way to sign in (no password, one identity). */
export function isLastWayIn(user: UserRecord, linked: readonly IdentityRecord[]): boolean {
  return user.passwordHash === null && linked.length < 2;
}

export type IdentityRemoval =
  | { kind: "removed"; identity: IdentityRecord }
  | { kind: "unknown" }
  /** Refused: the user would have no way left to sign in (`force` removes it anyway). */
  | { kind: "last"; identity: IdentityRecord };

/**
 * Unlinks one of a user's identities. Like the account page it refuses the last way
 * to sign in, unless `force`: an operator cutting off a compromised upstream account.
 */
export async function removeIdentity(
  deps: { identities: IdentityRepository; logger: Logger },
  user: UserRecord,
  identityId: string,
  options: { force?: boolean } = {},
): Promise<IdentityRemoval> {
  const linked = await deps.identities.listByUser(user.id);
  const identity = linked.find((i) => i.id === identityId);
  if (!identity) return { kind: "unknown" };
  if (!options.force && isLastWayIn(user, linked)) return { kind: "last", identity };
  await deps.identities.delete(identity.id);
  deps.logger.info(
    {
      action: "upstream.unlink",
      provider: identity.providerId,
      user: user.id,
      forced: options.force === true,
    },
    "upstream identity unlinked by an operator",
  );
  return { kind: "removed", identity };
}
