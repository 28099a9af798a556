import type { CoreServices } from "../../src/features/contract.js";
import {
  type NewProvider,
  providerSettings,
  UpstreamProviders,
} from "../../src/features/upstream/providers.js";
import type { IdentityRecord, ProviderSettings } from "../../src/features/upstream/records.js";
import { identityRepository, providerRepository } from "../../src/features/upstream/repositories.js";
import { ProviderSecrets } from "../../src/features/upstream/secrets.js";
import { newId } from "../../src/tokens/opaque.js";
import type { TestServer } from "./server.js";
import type { UpstreamOidc } from "./upstream-oidc.js";

/** The upstream providers of a test server, through its stores (what the CLI does). */
export function upstreamOf(ctx: CoreServices, timeout = 5) {
  return {
    providers: new UpstreamProviders(
      {
        config: ctx.config,
        providers: providerRepository(ctx.durable),
        secrets: new ProviderSecrets(ctx.config.keyEncryptionSecret),
        outbound: ctx.outbound,
      },
      { timeout },
    ),
    identities: identityRepository(ctx.durable),
  };
}

export async function addProvider(server: TestServer, input: NewProvider) {
  return upstreamOf(server.ctx).providers.add(input);
}

/**
 * Stores a provider with settings no CLI option gives (a test standing in for Apple's
 * form_post, or GitHub's emails endpoint on this machine), sealed like `add` does.
 */
export async function storeProvider(
  server: TestServer,
  input: NewProvider,
  settings: Partial<ProviderSettings>,
): Promise<void> {
  const { kind, name, settings: checked } = providerSettings(input);
  const secrets = new ProviderSecrets(server.ctx.config.keyEncryptionSecret);
  await providerRepository(server.ctx.durable).insert({
    id: input.id,
    name,
    kind,
    clientId: input.clientId,
    sealedSecret: await secrets.seal(input.id, { clientSecret: input.clientSecret as string }),
    settings: { ...checked, ...settings },
    createdAt: Math.floor(Date.now() / 1000),
  });
}

/** node-oidc-provider as the server's provider "corp" (Corp ID): a client registered there for the server's callback. */
export async function addUpstreamOidc(
  server: TestServer,
  upstream: UpstreamOidc,
  input: Partial<NewProvider> = {},
) {
  const registered = upstream.client([`${server.issuer}/upstream/corp/callback`]);
  return addProvider(server, {
    id: "corp",
    name: "Corp ID",
    issuer: upstream.issuer,
    clientId: registered.clientId,
    clientSecret: registered.clientSecret,
    trustEmail: true,
    ...input,
  });
}

/** Links an identity straight in the store: what a sign-in through the provider leaves behind. */
export async function linkStoredIdentity(
  ctx: CoreServices,
  fields: Pick<IdentityRecord, "providerId" | "userId"> & Partial<IdentityRecord>,
): Promise<IdentityRecord> {
  const identity: IdentityRecord = {
    id: newId(),
    issuer: "https://upstream.example",
    subject: newId(),
    email: null,
    createdAt: 1_700_000_000,
    lastUsedAt: 1_700_000_000,
    ...fields,
  };
  if (!(await upstreamOf(ctx).identities.insert(identity))) throw new Error("identity already linked");
  return identity;
}
