import { z } from "zod";
import { flag } from "../../config/schema.js";
import { defineFeature } from "../contract.js";
import { PAR_PATH, parRoutes } from "./routes.js";
import { pushedRequestSteps } from "./steps.js";
import { PushedRequests } from "./store.js";

/**
 * Pushed Authorization Requests (RFC 9126): `POST /par` validates and stores a request,
 * `/authorize?client_id&request_uri` then uses only the pushed parameters, once.
 */
export const pushedAuthorizationRequestsFeature = defineFeature({
  name: "pushedAuthorizationRequests",
  options: z.object({
    /** Every client must push its requests (per client: `require_pushed_authorization_requests`). */
    required: flag.default(false),
    /** Seconds a request_uri stays usable. */
    ttl: z.coerce.number().int().min(5).max(600).default(60),
  }),
  build: (services, options) => {
    const store = new PushedRequests(services.fast, options.ttl);
    return {
      routes: parRoutes(services, store),
      authorizationSteps: pushedRequestSteps(store, options.required),
      metadata: () => ({
        pushed_authorization_request_endpoint: `${services.config.issuer}${PAR_PATH}`,
        require_pushed_authorization_requests: options.required,
      }),
    };
  },
});
