import type { CoreServices } from "../../src/features/contract.js";
import {
  type NewProvider,
  providerSettings,
  UpstreamProviders,
} from "../../src/features/upstream/providers.js";
import type { ProviderSettings } from "../../src/features/upstream/records.js";
import { identityRepository, providerRepository } from "../../src/features/upstream/repositories.js";
import { ProviderSecrets } from "../../src/features/upstream/secrets.js";
import type { TestServer } from "./server.js";

/** The upstream providers of a test server, through its stores (what the CLI does). */
export function upstreamOf(ctx: CoreServices, timeout = 5) {
  return {
    providers: new UpstreamProviders(
      {
        config: ctx.config,
        providers: providerRepository(ctx.durable),
        secrets: new ProviderSecrets(ctx.config.keyEncryptionSecret),
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
