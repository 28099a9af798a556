import { z } from "zod";
import { flag } from "../../config/schema.js";
import { OIDC_SCOPES } from "../../oauth/scopes.js";
import { defineFeature } from "../contract.js";
import { dynamicRegistrationMigrations } from "./migrations.js";
import { REGISTRATION_PATH, registrationRoutes } from "./routes.js";

/** The name a registration without client_name gets (the consent page shows it). */
export const UNNAMED_CLIENT = "Unnamed client";

/**
 * Dynamic Client Registration (RFC 7591) and Management (RFC 7592): clients register
 * themselves at `registration_endpoint` with an initial access token (`frontdesk
 * client initial-access-token`), or with none when `open` (off by default, warned
 * about at start-up), and then read, replace and delete their registration with the
 * registration access token they were given.
 */
export const dynamicRegistrationFeature = defineFeature({
  name: "dynamicRegistration",
  options: z.object({
    /** Anyone may register a client, without an initial access token. */
    open: flag.default(false),
  }),
  migrations: dynamicRegistrationMigrations,
  build: (services, options) => {
    if (options.open)
      services.logger.warn(
        { feature: "dynamicRegistration" },
        "OPEN CLIENT REGISTRATION: anyone can register a client at /register without an initial access token (features.dynamicRegistration.open=true)",
      );
    const offeredScopes = [...OIDC_SCOPES, ...services.config.scopes];
    return {
      routes: registrationRoutes(services, {
        open: options.open,
        policy: {
          offeredScopes,
          defaultScope: "openid",
          defaultName: UNNAMED_CLIENT,
          resources: services.config.resources,
        },
      }),
      metadata: () => ({ registration_endpoint: `${services.config.issuer}${REGISTRATION_PATH}` }),
    };
  },
});
