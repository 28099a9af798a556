import type { FastifyPluginAsync } from "fastify";
import type { FeatureRouteOptions } from "../contract.js";
import { accountRoutes } from "./account-routes.js";
import type { PasskeyRouteDeps } from "./deps.js";
import { optionsRoutes } from "./options-routes.js";
import { signInRoutes } from "./sign-in-routes.js";

/** Every passkey route: the script and ceremony options, the sign-in answers, the account page's. */
export function passkeyRoutes(ctx: PasskeyRouteDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    optionsRoutes(app, ctx, registry);
    signInRoutes(app, ctx, registry);
    accountRoutes(app, ctx, registry);
  };
}
