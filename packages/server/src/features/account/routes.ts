import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { singleValued } from "../../oauth/params.js";
import { accountPage } from "../../pages/account.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { signedOutPage } from "../../pages/logout.js";
import { clearSessionCookie, readCookie } from "../../sessions/cookies.js";
import type { Session } from "../../sessions/sessions.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { type PasswordChangeRouteDeps, passwordChangeRoutes } from "./password.js";
import { verifyEmailRoutes } from "./verify-email.js";

const NOTICES: Record<string, string> = {
  ended: "That session is signed out.",
  "others-ended": "All your other sessions are signed out.",
  revoked: "The application no longer has access.",
  "password-changed": "Your password is changed. Every other session is signed out.",
  "verification-sent": "A new verification message is on its way. Follow its link to confirm your address.",
  "verification-not-needed": "Your email address is already confirmed.",
};

type AccountDeps = Pick<
  CoreServices,
  "durable" | "sessions" | "cookies" | "csrf" | "refreshTokens" | "logger" | "emailVerification"
> &
  PasswordChangeRouteDeps;

/** Runs a form action for the signed-in person, after the CSRF check. */
function accountAction(
  ctx: AccountDeps,
  action: (session: Session, form: Record<string, string>) => Promise<string>,
) {
  return pageRoute(ctx, async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await currentSession(ctx, request);
    if (!session) return seeOther(reply, "/login");
    const form = singleValued(request.body);
    if (!ctx.csrf.valid(request, form.csrf))
      return sendPage(reply, 403, errorPage("Form expired", "Reload the account page and try again."));
    return seeOther(reply, localUrl("/account", { notice: await action(session, form) }));
  });
}

/** The person's account page: sessions (sign out one, or all others) and granted applications (revoke). */
export function accountRoutes(ctx: AccountDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    passwordChangeRoutes(app, ctx, registry);
    verifyEmailRoutes(app, ctx);
    app.get(
      "/account",
      pageRoute(ctx, async (request, reply) => {
        const session = await currentSession(ctx, request);
        const user = session && (await ctx.durable.users.get(session.userId));
        if (!session || !user) return seeOther(reply, "/login");
        const sessions = (await ctx.sessions.listForUser(user.id)).map((s) => s.session);
        const grants = await ctx.durable.grants.listByUser(user.id);
        const applications = [];
        for (const grant of grants) {
          const client = await ctx.durable.clients.get(grant.clientId);
          if (client)
            applications.push({
              clientId: client.id,
              name: client.name,
              scopes: grant.scopes,
              grantedAt: grant.createdAt,
            });
        }
        const noticeKey = singleValued(request.query).notice;
        const notice = NOTICES[noticeKey ?? ""];
        const csrf = ctx.csrf.token(request, reply);
        const sections = [];
        for (const section of registry.accountSections) {
          const rendered = await section.render({
            user,
            session,
            csrf,
            ...(noticeKey ? { notice: noticeKey } : {}),
          });
          if (rendered) sections.push(rendered);
        }
        return sendPage(
          reply,
          200,
          accountPage({
            csrf,
            username: user.username,
            email: user.email,
            emailVerified: user.emailVerified,
            currentSid: session.sid,
            sessions,
            applications,
            notice,
            hasPassword: user.passwordHash !== null,
            sections,
          }),
        );
      }),
    );

    app.post(
      "/account/sessions/end",
      accountAction(ctx, async (session, form) => {
        if (form.sid) await ctx.sessions.endBySid(session.userId, form.sid);
        return "ended";
      }),
    );

    // The account page's "Sign out" is a CSRF-checked POST already: it signs out at once.
    app.post(
      "/account/sign-out",
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        if (!ctx.csrf.valid(request, form.csrf))
          return sendPage(reply, 403, errorPage("Form expired", "Reload the page and try again."));
        const token = readCookie(request, ctx.cookies.session);
        if (token) await ctx.sessions.end(token);
        clearSessionCookie(reply, ctx.cookies);
        const returnTo = safeReturnTo(form.return_to);
        if (returnTo) return seeOther(reply, localUrl("/login", { return_to: returnTo }));
        return sendPage(reply, 200, signedOutPage());
      }),
    );

    app.post(
      "/account/sessions/end-others",
      accountAction(ctx, async (session) => {
        await ctx.sessions.endAllForUser(session.userId, session.sid);
        return "others-ended";
      }),
    );

    app.post(
      "/account/applications/revoke",
      accountAction(ctx, async (session, form) => {
        if (form.client_id && (await ctx.durable.grants.delete(session.userId, form.client_id)))
          await ctx.refreshTokens.revokeFamiliesOf({ userId: session.userId, clientId: form.client_id });
        return "revoked";
      }),
    );
  };
}
