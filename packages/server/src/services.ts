import type { Logger } from "pino";
import type { Config } from "./config/schema.js";
import type { Context } from "./context.js";
import { KeyEncryption } from "./keys/key-encryption.js";
import { KeyManager } from "./keys/key-manager.js";
import { Revocations } from "./revocation/revocations.js";
import { openDurableStore, openFastStore } from "./stores.js";
import { AccessTokens } from "./tokens/access-token.js";

/** Opens stores and builds the services every entry point (server and CLI) shares. */
export async function createContext(config: Config, logger: Logger): Promise<Context> {
  const durable = await openDurableStore(config);
  const fast = await openFastStore(config);
  const keys = new KeyManager({
    repo: durable.keys,
    encryption: new KeyEncryption(config.keyEncryptionSecret),
    alg: config.signingAlg,
    retiredKeyLifetime: Math.max(config.accessTokenTtl, config.idTokenTtl) + 60,
    refreshInterval: config.keyRefreshInterval,
  });
  await keys.initialize();
  const horizon = config.accessTokenTtl + 60;
  return {
    config,
    durable,
    fast,
    keys,
    accessTokens: new AccessTokens(config.issuer, keys),
    revocations: new Revocations(fast, durable, horizon),
    logger,
  };
}

export async function closeContext(ctx: Context): Promise<void> {
  await Promise.allSettled([ctx.durable.close(), ctx.fast.close()]);
}
