import type { FastifyInstance } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { confirmEmailPage, emailVerifiedPage } from "../../pages/account.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { RESEND_LIMIT, VERIFY_EMAIL_PATH } from "../../users/email-verification.js";
import type { CoreServices } from "../contract.js";

export type VerifyEmailDeps = Pick<
  CoreServices,
  "durable" | "sessions" | "cookies" | "csrf" | "logger" | "emailVerification"
>;

const LINK_DOES_NOT_WORK = errorPage(
  "This link does not work",
  "The verification link is incomplete, has expired, was already used, or the address changed since it was sent. Sign in and send a new one from your account page.",
);

/**
 * The verification link: GET shows what it will confirm and a button (mail scanners
 * open links; only the POST, CSRF-checked, uses it up); POST confirms. The account
 * page's "send again" is limited per user. None of it needs a session: the link
 * itself shows the person reads the mailbox.
 */
export function verifyEmailRoutes(app: FastifyInstance, ctx: VerifyEmailDeps): void {
  app.get(
    VERIFY_EMAIL_PATH,
    pageRoute(ctx, async (request, reply) => {
      const token = singleValued(request.query).token ?? "";
      const pending = await ctx.emailVerification.check(token);
      if (!pending) return sendPage(reply, 400, LINK_DOES_NOT_WORK);
      return sendPage(
        reply,
        200,
        confirmEmailPage({ csrf: ctx.csrf.token(request, reply), token, email: pending.email }),
      );
    }),
  );

  app.post(
    VERIFY_EMAIL_PATH,
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf))
        return sendPage(reply, 403, errorPage("Form expired", "Open the link from the message again."));
      const verified = await ctx.emailVerification.confirm(form.token ?? "");
      if (!verified?.email) return sendPage(reply, 400, LINK_DOES_NOT_WORK);
      ctx.logger.info({ action: "user.email_verified", user: verified.id }, "email address verified");
      return sendPage(reply, 200, emailVerifiedPage({ email: verified.email }));
    }),
  );

  app.post(
    "/account/email/verify",
    pageRoute(ctx, async (request, reply) => {
      const session = await currentSession(ctx, request);
      if (!session) return seeOther(reply, "/login");
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf))
        return sendPage(reply, 403, errorPage("Form expired", "Reload the account page and try again."));
      const user = await ctx.durable.users.get(session.userId);
      if (!user) return seeOther(reply, "/login");
      const outcome = await ctx.emailVerification.resend(user);
      if (outcome === "limited")
        return sendPage(
          reply.header("retry-after", String(RESEND_LIMIT.windowSeconds)),
          429,
          errorPage(
            "Too many verification messages",
            `At most ${RESEND_LIMIT.messages} verification messages are sent in an hour. Use the link in the last one, or try again later.`,
          ),
        );
      return seeOther(
        reply,
        localUrl("/account", {
          notice: outcome === "sent" ? "verification-sent" : "verification-not-needed",
        }),
      );
    }),
  );
}
