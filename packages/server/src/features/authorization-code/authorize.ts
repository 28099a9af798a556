import type { FastifyPluginAsync } from "fastify";
import { pageRoute } from "../../http/page-route.js";
import { validateAuthorizationRequest } from "../../interaction/authorization-request/pipeline.js";
import { ReturnableError, UnreturnableError } from "../../interaction/authorization-request/types.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { AUTHORIZATION } from "./interaction-kind.js";

export const AUTHORIZATION_PATH = "/authorize";

/**
 * Authorization endpoint (GET and POST): the named steps validate the request ->
 * errors to an error page (unknown client, unregistered redirect URI) or to the
 * client (after sign-in, unless prompt=none: InteractionFlow.returnError) -> the
 * interaction's checks (sign-in, consent) -> code.
 */
export function authorizeRoutes(
  ctx: Pick<CoreServices, "config" | "durable" | "logger">,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const deps = { clients: ctx.durable.clients, resources: ctx.config.resources };
    const handle = pageRoute(ctx, async (request, reply) => {
      try {
        const { client, request: authz } = await validateAuthorizationRequest(
          registry.authorizationSteps,
          deps,
          { method: request.method, url: request.raw.url ?? "", body: request.body },
        );
        return await registry.interaction.start(request, reply, client, AUTHORIZATION, authz);
      } catch (error) {
        if (error instanceof UnreturnableError) {
          const message = error.error ? `${error.message} (${error.error.code})` : error.message;
          return sendPage(reply, 400, errorPage("This request cannot be completed", message));
        }
        if (error instanceof ReturnableError)
          return await registry.interaction.returnError(request, reply, error);
        throw error;
      }
    });
    app.get(AUTHORIZATION_PATH, handle);
    app.post(AUTHORIZATION_PATH, handle);
  };
}
