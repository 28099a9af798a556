import { z } from "zod";
import { defineFeature, type Registry } from "../contract.js";
import { accountRoutes } from "./account-routes.js";
import { oneTimeCodeFactors, oneTimeCodesAccountSection } from "./factors.js";
import { oneTimeCodeMigrations } from "./migrations.js";
import { credentialRepository, recoveryCodeRepository } from "./repositories.js";
import { OneTimeCodes } from "./service.js";
import { signInRoutes } from "./sign-in-routes.js";
import { OneTimeCodeSecrets } from "./totp.js";

const options = z.object({
  /** The name authenticator apps show for the account (the otpauth `issuer`); default: the issuer's host. */
  appName: z.string().min(1).max(64).optional(),
  /** Wrong codes per account (and per kind: app codes, recovery codes) before it must wait. */
  maxFailures: z.coerce.number().int().min(1).max(100).default(5),
  /** Seconds the count of wrong codes runs over. */
  failureWindow: z.coerce.number().int().min(30).max(86_400).default(300),
});

/**
 * Time-based one-time codes (RFC 6238) from an authenticator app as a second factor,
 * and ten single-use recovery codes: set up from the account page (or during a
 * sign-in that requires a second factor), asked for on the second-factor page.
 * Secrets are sealed at rest, recovery codes stored hashed, and every code is
 * accepted once and throttled per account in the fast store (shared by instances).
 */
export const oneTimeCodesFeature = defineFeature({
  name: "oneTimeCodes",
  options,
  migrations: oneTimeCodeMigrations,
  build: (services, opts) => {
    const codes = new OneTimeCodes({
      fast: services.fast,
      credentials: credentialRepository(services.durable),
      recoveryCodes: recoveryCodeRepository(services.durable),
      secrets: new OneTimeCodeSecrets(services.config.keyEncryptionSecret),
      appName: opts.appName ?? new URL(services.config.issuer).host,
      limit: { failures: opts.maxFailures, window: opts.failureWindow },
    });
    const known: { registry?: Registry } = {};
    return {
      routes: async (app, { registry }) => {
        known.registry = registry;
        signInRoutes(app, services, codes, registry);
        accountRoutes(app, services, codes, registry);
      },
      secondFactors: oneTimeCodeFactors(codes),
      accountSections: [oneTimeCodesAccountSection(codes, () => known.registry ?? { secondFactors: [] })],
      userData: (userId) => codes.erase(userId),
    };
  },
});
