import type { FastifyPluginAsync } from "fastify";
import { InvalidRequest } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { validateAuthorizationRequest } from "../../interaction/authorization-request/pipeline.js";
import {
  type AuthorizationStep,
  ReturnableError,
  UnreturnableError,
} from "../../interaction/authorization-request/types.js";
import { singleValued } from "../../oauth/params.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { PUSHED_STEP_NAMES } from "./steps.js";
import type { PushedRequests } from "./store.js";

export const PAR_PATH = "/par";

/** Client authentication parameters: they authenticate the push and are not part of the request. */
const CLIENT_AUTH_PARAMS = ["client_secret", "client_assertion", "client_assertion_type"];

/** The authorization steps' verdict as JSON (RFC 9126 2.3): there is no redirect at push time. */
function asJsonError(error: unknown): unknown {
  if (error instanceof ReturnableError) return error.error;
  if (error instanceof UnreturnableError) return error.error ?? new InvalidRequest(error.message);
  return error;
}

/**
 * RFC 9126 pushed authorization request endpoint: authenticate the client as the token
 * endpoint does -> validate the request with every authorization step (a signed request
 * object is resolved by its step) -> store the parameters -> 201 request_uri.
 */
export function parRoutes(
  ctx: Pick<CoreServices, "config" | "durable">,
  store: PushedRequests,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const deps = { clients: ctx.durable.clients, resources: ctx.config.resources };
    app.post(PAR_PATH, async (request, reply) => {
      const body: Record<string, string[]> = formBody(request) ?? Object.create(null);
      const client = await registry.clientAuth.authenticate(request, singleValued(body));
      if (body.request_uri !== undefined) throw new InvalidRequest("request_uri must not be pushed");
      const pushed: Record<string, string[]> = Object.create(null);
      for (const [name, values] of Object.entries(body))
        if (!CLIENT_AUTH_PARAMS.includes(name)) pushed[name] = values;
      pushed.client_id = [client.id];
      let validated: Record<string, string[]> = pushed;
      const capture: AuthorizationStep = {
        name: "pushed_request_capture",
        run(draft) {
          validated = draft.params;
        },
      };
      const steps = [...registry.authorizationSteps.filter((s) => !PUSHED_STEP_NAMES.has(s.name)), capture];
      try {
        await validateAuthorizationRequest(steps, deps, {
          method: "POST",
          url: PAR_PATH,
          body: pushed,
          headers: request.headers,
        });
      } catch (error) {
        throw asJsonError(error);
      }
      const { requestUri, expiresIn } = await store.push({ clientId: client.id, params: validated });
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ request_uri: requestUri, expires_in: expiresIn });
    });
  };
}
