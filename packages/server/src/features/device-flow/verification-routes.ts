import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { pageRoute } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { deviceCodePage } from "../../pages/device.js";
import { sendPage } from "../../pages/layout.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { VERIFICATION_PATH } from "./authorization-endpoint.js";
import type { DeviceCodes } from "./device-codes.js";
import { DEVICE, type DeviceInteractionRequest } from "./interaction-kind.js";
import { normalizeUserCode } from "./user-code.js";
import { USER_CODE_WINDOW, type UserCodeThrottle } from "./user-code-throttle.js";

type VerificationDeps = Pick<CoreServices, "durable" | "csrf" | "logger">;

const WRONG_CODE = "That code is not valid. Check the code on your device and try again.";
const THROTTLED = "Too many wrong codes. Wait a few minutes and try again.";

/**
 * The verification page (RFC 8628 §3.3): GET shows the form (prefilled from
 * `verification_uri_complete`, never looked up without a submit), POST checks the
 * code (wrong codes are rate-limited) and starts a `device` interaction: sign-in,
 * then a consent page that is always shown.
 */
export function verificationRoutes(
  ctx: VerificationDeps,
  deviceCodes: DeviceCodes,
  throttle: UserCodeThrottle,
): FastifyPluginAsync<FeatureRouteOptions> {
  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    input: { userCode?: string; error?: string } = {},
  ) => sendPage(reply, status, deviceCodePage({ csrf: ctx.csrf.token(request, reply), ...input }));

  return async (app, { registry }) => {
    app.get(
      VERIFICATION_PATH,
      pageRoute(ctx, async (request, reply) => {
        const typed = singleValued(request.query).user_code;
        return form(request, reply, 200, { userCode: typed?.slice(0, 32) });
      }),
    );

    app.post(
      VERIFICATION_PATH,
      pageRoute(ctx, async (request, reply) => {
        const body = singleValued(request.body);
        const typed = body.user_code?.slice(0, 32);
        if (!ctx.csrf.valid(request, body.csrf))
          return form(request, reply, 403, {
            userCode: typed,
            error: "Your form expired. Please try again.",
          });
        if (!(await throttle.admits(request.ip)))
          return form(request, reply.header("retry-after", String(USER_CODE_WINDOW)), 429, {
            userCode: typed,
            error: THROTTLED,
          });
        const userCode = normalizeUserCode(typed);
        const found = userCode && (await deviceCodes.findByUserCode(userCode));
        const client = found ? await ctx.durable.clients.get(found.authorization.clientId) : undefined;
        if (!found || !client || client.disabled) {
          await throttle.failed(request.ip);
          return form(request, reply, 400, { userCode: typed, error: WRONG_CODE });
        }
        const interactionRequest: DeviceInteractionRequest = {
          clientId: client.id,
          scopes: found.authorization.scopes,
          prompt: [],
          maxAge: null,
          loginHint: null,
          deviceKey: found.key,
        };
        return registry.interaction.start(request, reply, client, DEVICE, interactionRequest);
      }),
    );
  };
}
