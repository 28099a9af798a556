import { z } from "zod";
import { ACR } from "../../oauth/assurance.js";
import {
  PASSKEYS_SCRIPT_PATH,
  passkeySecondFactorSection,
  passkeySignInBlock,
  passkeysSection,
} from "../../pages/passkeys.js";
import { defineFeature, type SecondFactor, type SignInMethod } from "../contract.js";
import { Ceremonies } from "./ceremonies.js";
import { hasOtherFactor, PASSKEY_FACTOR, type PasskeyRouteDeps } from "./deps.js";
import { passkeysMigrations } from "./migrations.js";
import { relyingParty } from "./relying-party.js";
import { passkeyRepository } from "./repositories.js";
import { passkeyRoutes } from "./routes.js";

const ACCOUNT_NOTICES: Record<string, string> = {
  "passkey-added": "The passkey is added: you can sign in with it from now on.",
  "passkey-removed": "The passkey is removed.",
  "passkey-not-created": "No passkey was added: the attempt expired, was cancelled, or was not accepted.",
  "passkey-unknown": "That passkey is not one of yours.",
  "passkey-last":
    "That passkey is your last second step: to remove it, sign in again with it first, or enter one of your recovery codes.",
};

const SECOND_FACTOR_ERRORS: Record<string, string> = {
  "passkey-failed": "The passkey was not accepted. Try again, or use another way.",
  "passkey-not-created": "No passkey was set up. Try again.",
};

/** A list in the file, or space- or comma-separated in the environment. */
const originList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string()).optional(),
);

/**
 * Passkeys (WebAuthn): sign-in without a username (a button, and the username field's
 * autofill), a passkey as the second step after a password or for a step-up (it
 * reaches the phishing-resistant level), set up from the account page or right after
 * a first factor. The browser calls live in one script of this origin.
 */
export const passkeysFeature = defineFeature({
  name: "passkeys",
  options: z.object({
    /** The relying-party ID passkeys are bound to: the issuer's host (default) or a parent domain of it. */
    rpId: z.string().min(1).optional(),
    /** Origins passkeys are used from (default: the issuer's), each at the rpId or under it. */
    origins: originList,
  }),
  migrations: passkeysMigrations,
  build: (services, options) => {
    const rp = relyingParty(services.config.issuer, options);
    const passkeys = passkeyRepository(services.durable);
    const deps: PasskeyRouteDeps = {
      ...services,
      passkeys,
      ceremonies: new Ceremonies(services.fast, services.cookies),
      rp,
    };
    const signInMethod: SignInMethod = {
      name: "passkeys",
      offer: async () => ({
        buttons: [],
        routesIdentifiers: false,
        scripts: [PASSKEYS_SCRIPT_PATH],
        block: passkeySignInBlock(),
        usernameAutocomplete: "webauthn",
      }),
    };
    const enrolled = async (userId: string) => (await passkeys.listByUser(userId)).length > 0;
    const secondFactor: SecondFactor = {
      name: PASSKEY_FACTOR,
      reaches: ACR.phr,
      enrolled,
      scripts: [PASSKEYS_SCRIPT_PATH],
      render: async ({ user, csrf, pending, enrolling, error }) => {
        const has = await enrolled(user.id);
        if (!has && !enrolling) return undefined;
        return passkeySecondFactorSection({
          csrf,
          request: pending.request,
          returnTo: pending.returnTo,
          enrolled: has,
          enrolling: enrolling && !has,
          ...(error && SECOND_FACTOR_ERRORS[error] ? { error: SECOND_FACTOR_ERRORS[error] } : {}),
        });
      },
      reset: async (userId) => {
        await passkeys.deleteAllOfUser(userId);
      },
    };
    // The account section asks the other factors too: the registry the routes receive.
    const seen: { secondFactors: readonly SecondFactor[] } = { secondFactors: [] };
    const routes = passkeyRoutes(deps);
    return {
      routes: async (app, opts) => {
        seen.secondFactors = opts.registry.secondFactors;
        await routes(app, opts);
      },
      signInMethods: [signInMethod],
      secondFactors: [secondFactor],
      userData: async (userId) => {
        const removed = await passkeys.deleteAllOfUser(userId);
        await passkeys.deleteHandle(userId);
        return removed;
      },
      accountSections: [
        {
          name: "passkeys",
          render: async ({ user, session, csrf, notice }) => {
            const own = await passkeys.listByUser(user.id);
            return passkeysSection({
              csrf,
              recoveryCodeField:
                own.length === 1 &&
                !session.amr.some((m) => m === "hwk" || m === "swk") &&
                !(await hasOtherFactor(seen, user.id)),
              passkeys: own.map((p) => ({
                id: p.id,
                name: p.name,
                createdAt: p.createdAt,
                lastUsedAt: p.lastUsedAt,
                synced: p.backupEligible,
              })),
              ...(notice && ACCOUNT_NOTICES[notice] ? { notice: ACCOUNT_NOTICES[notice] } : {}),
            });
          },
        },
      ],
    };
  },
});
