import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { defineFeature, type FeatureRouteOptions } from "../contract.js";
import {
  DEVICE_AUTHORIZATION_PATH,
  DEVICE_CODE_GRANT,
  deviceAuthorizationRoutes,
} from "./authorization-endpoint.js";
import { DeviceCodes } from "./device-codes.js";
import { deviceCodeGrant } from "./grant.js";
import { deviceConsentCheck, deviceKind } from "./interaction-kind.js";
import { UserCodeThrottle } from "./user-code-throttle.js";
import { verificationRoutes } from "./verification-routes.js";

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The Device Authorization Grant (RFC 8628): a TV or a command line gets a user code,
 * the person enters it at `/device` on another screen, signs in and consents; the
 * device polls the token endpoint until then.
 */
export const deviceFlowFeature = defineFeature({
  name: "deviceFlow",
  options: z.object({
    /** Lifetime of a device code and its user code (`expires_in`), seconds. */
    userCodeTtl: seconds(10, 3600, 600),
    /** Minimum seconds between polls (`interval`); each early poll adds 5. */
    interval: seconds(1, 60, 5),
    /** Wrong user codes per source IP per 15 minutes. */
    userCodeFailuresPerIp: seconds(1, 1_000_000, 10),
    /** Wrong user codes from everywhere per 15 minutes. */
    userCodeFailuresTotal: seconds(1, 1_000_000, 1000),
  }),
  build: (services, options) => {
    const deviceCodes = new DeviceCodes(services.fast, {
      ttl: options.userCodeTtl,
      interval: options.interval,
    });
    const throttle = new UserCodeThrottle(services.fast, {
      perIp: options.userCodeFailuresPerIp,
      total: options.userCodeFailuresTotal,
    });
    const routes: FastifyPluginAsync<FeatureRouteOptions> = async (app, routeOptions) => {
      await app.register(deviceAuthorizationRoutes(services, deviceCodes), routeOptions);
      await app.register(verificationRoutes(services, deviceCodes, throttle), routeOptions);
    };
    return {
      routes,
      grants: { [DEVICE_CODE_GRANT]: deviceCodeGrant(services, deviceCodes) },
      interactionKinds: [deviceKind(deviceCodes)],
      interactionChecks: [{ check: deviceConsentCheck, before: "consent_prompt" }],
      corsPaths: [DEVICE_AUTHORIZATION_PATH],
      metadata: () => ({
        device_authorization_endpoint: `${services.config.issuer}${DEVICE_AUTHORIZATION_PATH}`,
      }),
    };
  },
});
