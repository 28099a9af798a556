import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { deleteClient } from "../../clients/registration.js";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import type { InteractionFlow } from "../../interaction/flow.js";
import { SECOND_FACTOR_PATH } from "../../interaction/paths.js";
import { acrOf, satisfies } from "../../oauth/assurance.js";
import { singleValued } from "../../oauth/params.js";
import { adminPage } from "../../pages/admin.js";
import { errorPage, notAllowedPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import type { UserRecord } from "../../storage/durable/types.js";
import { ADMIN_ROLE } from "../../users/roles.js";
import { disableUser, revokeUser } from "../../users/users.js";
import type { FeatureRouteOptions } from "../contract.js";
import type { AdminDeps } from "./api.js";

export { ADMIN_ROLE };

const NOTICES: Record<string, string> = {
  revoked: "Every session, refresh token and access token of that person is revoked.",
  disabled: "That person can no longer sign in, and everything they held is revoked.",
  deleted: "The application is deleted and its tokens are revoked.",
};

/**
 * The signed-in administrator, or `undefined` once anyone else has been sent away
 * (to sign-in, or a 403 page): the caller then returns the reply and does nothing more.
 */
async function administrator(
  ctx: AdminDeps,
  flow: InteractionFlow,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<UserRecord | undefined> {
  const session = await currentSession(ctx, request);
  const user = session && (await ctx.durable.users.get(session.userId));
  if (!session || !user) {
    seeOther(reply, localUrl("/login", { return_to: "/admin" }));
    return undefined;
  }
  if (!user.roles.includes(ADMIN_ROLE)) {
    sendPage(
      reply,
      403,
      notAllowedPage({
        csrf: ctx.csrf.token(request, reply),
        username: user.username,
        message: "This page is for administrators.",
        returnTo: "/admin",
      }),
    );
    return undefined;
  }
  // A second factor the policy asks of this person (or that they have) is needed here too: step up first.
  if (!satisfies(session.acr ?? acrOf(session.amr), await flow.requiredLevel(user))) {
    seeOther(reply, localUrl(SECOND_FACTOR_PATH, { return_to: "/admin" }));
    return undefined;
  }
  return user;
}

function adminAction(
  ctx: AdminDeps,
  flow: InteractionFlow,
  act: (form: Record<string, string>) => Promise<string>,
) {
  return pageRoute(ctx, async (request, reply) => {
    const admin = await administrator(ctx, flow, request, reply);
    if (!admin) return reply;
    const form = singleValued(request.body);
    if (!ctx.csrf.valid(request, form.csrf))
      return sendPage(reply, 403, errorPage("Form expired", "Reload the administration page and try again."));
    const notice = await act(form);
    ctx.logger.info({ admin: admin.id, action: request.url }, "admin action");
    return seeOther(reply, localUrl("/admin", { notice }));
  });
}

/** Administration pages for people with the admin role: revoke or disable a person, delete an application. */
export function adminPageRoutes(ctx: AdminDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const flow = registry.interaction;
    app.get(
      "/admin",
      pageRoute(ctx, async (request, reply) => {
        const admin = await administrator(ctx, flow, request, reply);
        if (!admin) return reply;
        const users = await Promise.all(
          (await ctx.durable.users.list()).map(async (u) => ({
            ...u,
            sessions: (await ctx.sessions.listForUser(u.id)).length,
          })),
        );
        return sendPage(
          reply,
          200,
          adminPage({
            csrf: ctx.csrf.token(request, reply),
            username: admin.username,
            users,
            clients: await ctx.durable.clients.list(),
            notice: NOTICES[singleValued(request.query).notice ?? ""],
          }),
        );
      }),
    );
    const userActions = [
      { path: "/admin/users/revoke", act: revokeUser, notice: "revoked" },
      { path: "/admin/users/disable", act: disableUser, notice: "disabled" },
    ] as const;
    for (const { path, act, notice } of userActions) {
      app.post(
        path,
        adminAction(ctx, flow, async (form) => {
          const user = form.user ? await ctx.durable.users.get(form.user) : undefined;
          if (user) await act(ctx, user);
          return notice;
        }),
      );
    }
    app.post(
      "/admin/clients/delete",
      adminAction(ctx, flow, async (form) => {
        if (form.client_id) await deleteClient(ctx, form.client_id);
        return "deleted";
      }),
    );
  };
}
