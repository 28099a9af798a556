import type { FastifyPluginAsync } from "fastify";
import { defineFeature, type FeatureRouteOptions } from "../contract.js";
import { adminAudience } from "./api.js";
import { adminPageRoutes } from "./pages.js";
import { adminApiRoutes } from "./serve.js";

/** The admin API (for machine clients with the admin scope) and the administration pages. */
export const adminFeature = defineFeature({
  name: "admin",
  build: (services) => {
    const api = adminApiRoutes(services);
    const pages = adminPageRoutes(services);
    const routes: FastifyPluginAsync<FeatureRouteOptions> = async (app, options) => {
      await app.register(api, options);
      await app.register(pages, options);
    };
    return { routes, machineAudiences: [adminAudience(services.config.issuer)] };
  },
});
