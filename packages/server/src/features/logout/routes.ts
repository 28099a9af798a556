import type { FastifyPluginAsync } from "fastify";
import { currentSession, pageRoute, seeOther } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { logoutConfirmPage, signedOutPage } from "../../pages/logout.js";
import { clearSessionCookie, readCookie } from "../../sessions/cookies.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { validateLogoutRequest } from "./validate.js";

export const END_SESSION_PATH = "/logout";

/** End-session endpoint: confirm, end the session at once, and return only to a registered URI. */
export function logoutRoutes(
  ctx: Pick<CoreServices, "config" | "durable" | "keys" | "sessions" | "cookies" | "csrf" | "logger">,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, _options) => {
    app.get(
      END_SESSION_PATH,
      pageRoute(ctx, async (request, reply) => {
        const params = singleValued(request.query);
        const logout = await validateLogoutRequest(ctx, params);
        const session = await currentSession(ctx, request);
        if (!session) {
          if (logout.postLogoutRedirectUri)
            return seeOther(reply, withState(logout.postLogoutRedirectUri, logout.state));
          return sendPage(reply, 200, signedOutPage());
        }
        return sendPage(
          reply,
          200,
          logoutConfirmPage({
            csrf: ctx.csrf.token(request, reply),
            clientName: logout.client?.name,
            fields: {
              id_token_hint: logout.idTokenHint,
              client_id: logout.client?.id,
              post_logout_redirect_uri: logout.postLogoutRedirectUri,
              state: logout.state,
            },
          }),
        );
      }),
    );

    app.post(
      END_SESSION_PATH,
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        if (!ctx.csrf.valid(request, form.csrf))
          return sendPage(reply, 403, errorPage("Form expired", "Reload the page and try again."));
        const { csrf: _csrf, decision, ...params } = form;
        const logout = await validateLogoutRequest(ctx, params);
        if (decision !== "logout") return seeOther(reply, "/account");
        const token = readCookie(request, ctx.cookies.session);
        if (token) await ctx.sessions.end(token);
        clearSessionCookie(reply, ctx.cookies);
        if (logout.postLogoutRedirectUri)
          return seeOther(reply, withState(logout.postLogoutRedirectUri, logout.state));
        return sendPage(reply, 200, signedOutPage());
      }),
    );
  };
}

function withState(uri: string, state: string | undefined): string {
  const url = new URL(uri);
  if (state !== undefined) url.searchParams.set("state", state);
  return url.toString();
}
