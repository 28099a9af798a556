import type { FastifyPluginAsync } from "fastify";
import { InvalidScope, UnauthorizedClient } from "../../errors/oauth-errors.js";
import { formBody } from "../../http/form-body.js";
import { singleValued } from "../../oauth/params.js";
import { resolveAudience } from "../../oauth/resource.js";
import { parseScope, requireAllowed } from "../../oauth/scopes.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import type { DeviceCodes } from "./device-codes.js";
import { formatUserCode } from "./user-code.js";

export const DEVICE_AUTHORIZATION_PATH = "/device_authorization";
export const VERIFICATION_PATH = "/device";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * RFC 8628 §3.1–3.2: the client authenticates as at the token endpoint (public
 * clients send `client_id`), must be registered for the device grant, and gets a
 * device code, a user code and where to enter it. A refused request creates nothing.
 */
export function deviceAuthorizationRoutes(
  ctx: Pick<CoreServices, "config">,
  deviceCodes: DeviceCodes,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    app.post(DEVICE_AUTHORIZATION_PATH, async (request, reply) => {
      const params = singleValued(formBody(request));
      const client = await registry.clientAuth.authenticate(request, params);
      if (!client.grantTypes.includes(DEVICE_CODE_GRANT))
        throw new UnauthorizedClient(`client is not allowed the ${DEVICE_CODE_GRANT} grant`);
      const scopes = parseScope(params.scope);
      if (!scopes.length) throw new InvalidScope("scope is required");
      requireAllowed(scopes, client.scopes);
      const audience = resolveAudience(params.resource, ctx.config.resources);
      const issued = await deviceCodes.create({ clientId: client.id, scopes, audience });
      const verificationUri = `${ctx.config.issuer}${VERIFICATION_PATH}`;
      const userCode = formatUserCode(issued.userCode);
      return reply
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
        .send({
          device_code: issued.deviceCode,
          user_code: userCode,
          verification_uri: verificationUri,
          verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
          expires_in: issued.expiresIn,
          interval: issued.interval,
        });
    });
  };
}
