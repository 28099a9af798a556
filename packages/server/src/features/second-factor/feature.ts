import { z } from "zod";
import { ACR_LEVELS } from "../../oauth/assurance.js";
import { defineFeature, type SecondFactor } from "../contract.js";
import { assuranceCheck, secondFactorGate } from "./policy.js";
import { resetAdminApi } from "./reset.js";
import { secondFactorRoutes } from "./routes.js";

const options = z.object({
  /**
   * Who must use a second factor at every sign-in: `administrators` (people with the
   * `frontdesk:admin` role: the admin pages and admin-scope tokens then need it) or
   * `everyone`. Anyone who has set one up is asked for it whatever this says.
   */
  require: z.enum(["none", "administrators", "everyone"]).default("none"),
});

/**
 * The sign-in policy beyond the first factor: the gate that holds a sign-in until its
 * second factor, step-up of sessions that do not reach what a request asks for
 * (`acr_values`, a client's `default_acr_values`), the second-factor page the factor
 * features (one-time codes, passkeys) add their forms to, and the administrator's reset.
 */
export const secondFactorFeature = defineFeature({
  name: "secondFactor",
  required: true,
  options,
  build: (services, { require }) => {
    const roster: { factors: readonly SecondFactor[] } = { factors: [] };
    const routes = secondFactorRoutes(services, require);
    return {
      routes: async (app, opts) => {
        roster.factors = opts.registry.secondFactors;
        await routes(app, opts);
      },
      signInGate: secondFactorGate(require, services.durable.clients),
      interactionChecks: [{ check: assuranceCheck(require), before: "consent_prompt" }],
      adminApi: resetAdminApi(services, () => roster.factors),
      metadata: () => ({ acr_values_supported: [...ACR_LEVELS] }),
    };
  },
});
