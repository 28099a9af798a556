import type { Logger } from "pino";
import { ClientKeys } from "../clients/client-keys.js";
import type { RegistrationOffer } from "../clients/registration.js";
import type { Config } from "../config/schema.js";
import type { CoreServices } from "../features/contract.js";
import {
  type BuiltFeature,
  buildFeatures,
  buildRegistry,
  registrationOffer,
  subscribeSessionEnd,
} from "../features/registry.js";
import { Interactions } from "../interaction/interactions.js";
import { KeyEncryption } from "../keys/key-encryption.js";
import { KeyManager, SIGNING_ALGS } from "../keys/key-manager.js";
import { MailService } from "../mail/mail-service.js";
import { AllowList } from "../outbound/addresses.js";
import { verificationEmail } from "../pages/emails.js";
import { Revocations } from "../revocation/revocations.js";
import { cookieNames } from "../sessions/cookies.js";
import { Csrf } from "../sessions/csrf.js";
import { SessionService } from "../sessions/sessions.js";
import { AccessTokens } from "../tokens/access-token.js";
import { AuthorizationCodes } from "../tokens/codes.js";
import { IdTokens } from "../tokens/id-token.js";
import { RefreshTokens } from "../tokens/refresh-tokens.js";
import { AccountLinks } from "../users/account-links.js";
import { EmailVerification } from "../users/email-verification.js";
import { LoginThrottle } from "../users/login-throttle.js";
import { UserData } from "../users/user-data.js";
import { FEATURES } from "./features.js";
import { openDurableStore, openFastStore } from "./stores.js";

/** Opens stores and builds the core services every entry point (server and CLI) shares. */
export async function createContext(config: Config, logger: Logger): Promise<CoreServices> {
  const durable = await openDurableStore(config);
  const fast = await openFastStore(config);
  const keys = new KeyManager({
    repo: durable.keys,
    encryption: new KeyEncryption(config.keyEncryptionSecret),
    alg: config.signingAlg,
    algs: SIGNING_ALGS,
    retiredKeyLifetime: Math.max(config.accessTokenTtl, config.idTokenTtl) + 60,
    refreshInterval: config.keyRefreshInterval,
  });
  await keys.initialize();
  const horizon = config.accessTokenTtl + 60;
  const revocations = new Revocations(fast, durable, horizon);
  const cookies = cookieNames(config.issuer);
  const outbound = {
    production: config.mode === "production",
    allow: new AllowList(config.outboundAllowList),
  };
  const sessions = new SessionService(fast, {
    idleTtl: config.sessionIdleTtl,
    absoluteTtl: config.sessionAbsoluteTtl,
  });
  sessions.onEnd("revocation", ({ sid }) => revocations.endSession(sid));
  const mail = new MailService({ config, outbox: durable.mailOutbox, logger });
  const accountLinks = new AccountLinks(durable.accountLinks, config.issuer);
  const ctx: CoreServices = {
    config,
    durable,
    fast,
    keys,
    accessTokens: new AccessTokens(config.issuer, keys),
    idTokens: new IdTokens(config.issuer, keys),
    refreshTokens: new RefreshTokens(durable, fast, revocations, {
      idle: config.refreshTokenIdleTtl,
      absolute: config.refreshTokenAbsoluteTtl,
      accessToken: config.accessTokenTtl,
    }),
    codes: new AuthorizationCodes(fast, config.authorizationCodeTtl, Math.max(600, config.accessTokenTtl)),
    sessions,
    interactions: new Interactions(fast),
    loginThrottle: new LoginThrottle(fast),
    revocations,
    cookies,
    csrf: new Csrf(config.keyEncryptionSecret, cookies),
    logger,
    outbound,
    clientKeys: new ClientKeys({ policy: outbound }),
    mail,
    accountLinks,
    userData: new UserData(),
    emailVerification: new EmailVerification({
      durable,
      fast,
      links: accountLinks,
      mail,
      compose: verificationEmail,
      // The account feature serves the link: with it off, no message would lead anywhere.
      enabled: config.features.account?.enabled !== false,
    }),
  };
  // Every participant (server, CLI, a test's own context) that ends sessions tells the
  // features that listen (back-channel logout enqueues its deliveries).
  // A feature refusing its configuration (email without SMTP in production) leaves no store open.
  const built = await buildFeatures(FEATURES, ctx).catch(async (error: unknown) => {
    await closeContext(ctx);
    throw error;
  });
  subscribeSessionEnd(ctx, built);
  builtFeatures.set(ctx, built);
  return ctx;
}

/** The features each context built, so the server's HTTP surface reuses them instead of building them again. */
const builtFeatures = new WeakMap<CoreServices, readonly BuiltFeature[]>();

export function featuresBuiltFor(ctx: CoreServices): readonly BuiltFeature[] | undefined {
  return builtFeatures.get(ctx);
}

/**
 * What clients may register with this context's enabled features (the CLI's client
 * commands, which serve no HTTP): the same registry the server's discovery reads.
 */
export function registrationOfferFor(ctx: CoreServices): RegistrationOffer {
  const built = featuresBuiltFor(ctx);
  if (!built) throw new Error("registrationOfferFor needs a context made by createContext");
  return registrationOffer(buildRegistry(ctx, built));
}

export async function closeContext(ctx: CoreServices): Promise<void> {
  await Promise.allSettled([ctx.durable.close(), ctx.fast.close()]);
}
