import type { CoreServices } from "../../src/features/contract.js";
import { type NewProvider, UpstreamProviders } from "../../src/features/upstream/providers.js";
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
