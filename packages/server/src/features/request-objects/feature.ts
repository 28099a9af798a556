import { z } from "zod";
import { defineFeature } from "../contract.js";
import { signedRequestStep } from "./step.js";
import { REQUEST_OBJECT_ALGS } from "./verify.js";

/**
 * Signed request objects (RFC 9101): the `request` parameter, a JWT signed with one of
 * the client's registered keys, whose claims are the authorization request.
 */
export const requestObjectsFeature = defineFeature({
  name: "requestObjects",
  options: z.object({
    /** Furthest a request object's `exp` may lie ahead, in seconds. */
    maxLifetime: z.coerce.number().int().min(10).max(3600).default(600),
  }),
  build: ({ config, clientKeys }, options) => ({
    authorizationSteps: [
      {
        step: signedRequestStep(clientKeys, {
          issuer: config.issuer,
          maxLifetime: options.maxLifetime,
          skew: 30,
          now: () => Math.floor(Date.now() / 1000),
        }),
        before: "client",
      },
    ],
    metadata: () => ({
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: [...REQUEST_OBJECT_ALGS],
    }),
  }),
});
