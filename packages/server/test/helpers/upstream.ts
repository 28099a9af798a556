import type { CoreServices } from "../../src/features/contract.js";
import { type NewProvider, UpstreamProviders } from "../../src/features/upstream/providers.js";
import { identityRepository, providerRepository } from "../../src/features/upstream/repositories.js";
import { ProviderSecrets } from "../../src/features/upstream/secrets.js";
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
      },
      { timeout },
    ),
    identities: identityRepository(ctx.durable),
  };
}

export async function addProvider(server: TestServer, input: NewProvider) {
  return upstreamOf(server.ctx).providers.add(input);
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
