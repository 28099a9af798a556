import type { FastifyPluginAsync } from "fastify";
import { ConfigError } from "../../config/errors.js";
import { defineFeature, type FeatureParts, type FeatureRouteOptions } from "../contract.js";
import { emailVerifiedCheck } from "./check.js";
import { invitationRoutes } from "./invitation-routes.js";
import { closedRegistrationRoutes, confirmEmailRoutes, registrationRoutes } from "./routes.js";

/**
 * Accounts people create themselves, as the top-level `registration` setting allows:
 * `closed` (nothing here), `invite` (invitation links), `open` (the registration form,
 * linked from the sign-in page, and invitation links). With open registration and
 * registrationRequiresVerifiedEmail, the `email_verified` check holds applications
 * back until the address is confirmed.
 */
export const registrationFeature = defineFeature({
  name: "registration",
  required: true,
  build: (services): FeatureParts => {
    const { registration, registrationRequiresVerifiedEmail, mode } = services.config;
    if (registration !== "closed" && mode === "production" && services.mail.delivery !== "smtp")
      throw new ConfigError([
        `registration=${registration} sends email (invitations, verification): production mode needs smtpUrl and emailFrom; set them, or set registration=closed`,
      ]);
    const open = registration === "open";
    const routes: FastifyPluginAsync<FeatureRouteOptions> = async (app, { registry }) => {
      if (!open) closedRegistrationRoutes(app, services);
      if (registration === "closed") return;
      invitationRoutes(app, services, registry);
      if (open) {
        registrationRoutes(app, services, registry);
        confirmEmailRoutes(app, services);
      }
    };
    return {
      routes,
      ...(open ? { signInLinks: [{ path: "/signup", label: "Create an account" }] } : {}),
      ...(open && registrationRequiresVerifiedEmail
        ? { interactionChecks: [{ check: emailVerifiedCheck, before: "consent_prompt" }] }
        : {}),
    };
  },
});
