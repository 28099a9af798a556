import type { Logger } from "pino";
import type { Config } from "./config/schema.js";
import type { KeyManager } from "./keys/key-manager.js";
import type { Revocations } from "./revocation/revocations.js";
import type { DurableStore } from "./storage/durable/types.js";
import type { FastStore } from "./storage/fast/types.js";
import type { AccessTokens } from "./tokens/access-token.js";

/** What the composition root hands to every module: no globals, no environment reads below it. */
export interface Context {
  config: Config;
  durable: DurableStore;
  fast: FastStore;
  keys: KeyManager;
  accessTokens: AccessTokens;
  revocations: Revocations;
  logger: Logger;
}
