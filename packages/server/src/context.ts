import type { Logger } from "pino";
import type { Interactions } from "./authorize/interactions.js";
import type { Config } from "./config/schema.js";
import type { KeyManager } from "./keys/key-manager.js";
import type { Revocations } from "./revocation/revocations.js";
import type { CookieNames } from "./sessions/cookies.js";
import type { Csrf } from "./sessions/csrf.js";
import type { SessionService } from "./sessions/sessions.js";
import type { DurableStore } from "./storage/durable/types.js";
import type { FastStore } from "./storage/fast/types.js";
import type { AccessTokens } from "./tokens/access-token.js";
import type { AuthorizationCodes } from "./tokens/codes.js";
import type { IdTokens } from "./tokens/id-token.js";
import type { RefreshTokens } from "./tokens/refresh-tokens.js";
import type { LoginThrottle } from "./users/login-throttle.js";

/** What the composition root hands to every module: no globals, no environment reads below it. */
export interface Context {
  config: Config;
  durable: DurableStore;
  fast: FastStore;
  keys: KeyManager;
  accessTokens: AccessTokens;
  idTokens: IdTokens;
  refreshTokens: RefreshTokens;
  codes: AuthorizationCodes;
  sessions: SessionService;
  interactions: Interactions;
  loginThrottle: LoginThrottle;
  revocations: Revocations;
  cookies: CookieNames;
  csrf: Csrf;
  logger: Logger;
}
