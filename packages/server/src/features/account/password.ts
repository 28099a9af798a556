import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { withFactor } from "../../oauth/assurance.js";
import { singleValued } from "../../oauth/params.js";
import { passwordChangedEmail } from "../../pages/account-emails.js";
import { sendPage } from "../../pages/layout.js";
import { changePasswordPage, signInAgainPage } from "../../pages/password.js";
import { readCookie } from "../../sessions/cookies.js";
import type { Session } from "../../sessions/sessions.js";
import type { UserRecord } from "../../storage/durable/types.js";
import { replacePassword } from "../../users/password-changes.js";
import { newPasswordProblem } from "../../users/password-policy.js";
import { verifyPassword } from "../../users/passwords.js";
import type { CoreServices, Registry } from "../contract.js";

/** How recent a sign-in must be for an account without a password to add one (seconds). */
export const FRESH_SIGN_IN = 5 * 60;
const PAGE = "/account/password";

export type PasswordChangeRouteDeps = Pick<
  CoreServices,
  | "config"
  | "durable"
  | "sessions"
  | "refreshTokens"
  | "revocations"
  | "loginThrottle"
  | "cookies"
  | "csrf"
  | "logger"
  | "mail"
>;

/**
 * The account page's password form. With a password, the current one is asked for
 * (and counted by the sign-in throttle, like a sign-in); without one, the sign-in must
 * be fresh. Then every session and token is revoked, as after a reset, and this
 * browser gets a new session (a new id) through completeSignIn; a message tells the
 * person.
 */
export function passwordChangeRoutes(
  app: FastifyInstance,
  ctx: PasswordChangeRouteDeps,
  registry: Registry,
): void {
  const signedIn = async (request: FastifyRequest) => {
    const session = await currentSession(ctx, request);
    const user = session && (await ctx.durable.users.get(session.userId));
    return session && user && !user.disabled ? { session, user } : undefined;
  };
  const fresh = (session: Session) => Math.floor(Date.now() / 1000) - session.authTime < FRESH_SIGN_IN;
  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    { session, user }: { session: Session; user: UserRecord },
    error?: string,
  ) => {
    const csrf = ctx.csrf.token(request, reply);
    if (!user.passwordHash && !fresh(session))
      return sendPage(reply, status, signInAgainPage({ csrf, returnTo: PAGE }));
    return sendPage(
      reply,
      status,
      changePasswordPage({ csrf, username: user.username, hasPassword: user.passwordHash !== null, error }),
    );
  };

  app.get(
    PAGE,
    pageRoute(ctx, async (request, reply) => {
      const found = await signedIn(request);
      if (!found) return seeOther(reply, localUrl("/login", { return_to: PAGE }));
      return render(request, reply, 200, found);
    }),
  );

  app.post(
    PAGE,
    pageRoute(ctx, async (request, reply) => {
      const found = await signedIn(request);
      if (!found) return seeOther(reply, localUrl("/login", { return_to: PAGE }));
      const { session, user } = found;
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf))
        return render(request, reply, 403, found, "Your form expired. Please try again.");
      if (user.passwordHash) {
        const device = readCookie(request, ctx.cookies.device);
        const admission = await ctx.loginThrottle.admit(user.username, request.ip, device);
        if (!admission.ok) {
          reply.header("retry-after", String(admission.retryAfter));
          return render(
            request,
            reply,
            429,
            found,
            "Too many wrong passwords. Wait a few minutes and try again.",
          );
        }
        if (!form.current || !(await verifyPassword(user.passwordHash, form.current))) {
          await ctx.loginThrottle.failed(request.ip);
          return render(request, reply, 401, found, "Your current password is not right.");
        }
      } else if (!fresh(session)) return render(request, reply, 403, found);
      const problem = newPasswordProblem({
        password: form.password,
        confirmation: form.confirmation,
        username: user.username,
      });
      if (problem) return render(request, reply, 400, found, problem);
      await replacePassword(ctx, user, form.password as string);
      if (user.email) {
        const notice = passwordChangedEmail({
          issuer: ctx.config.issuer,
          username: user.username,
          how: "change",
          at: Math.floor(Date.now() / 1000),
          ...(registry.signInLinks.some((l) => l.path === "/login/forgot")
            ? { resetUrl: `${ctx.config.issuer}/login/forgot` }
            : {}),
        });
        await ctx.mail.send({ to: user.email, ...notice, kind: "password-changed" });
      }
      // Typing the current password is a sign-in, on top of the session's factors (a
      // second factor is not asked again); adding one keeps how the person signed in.
      return registry.interaction.completeSignIn(request, reply, {
        user,
        ...(user.passwordHash
          ? { amr: withFactor(session.amr, ["pwd"]) }
          : { amr: session.amr, authTime: session.authTime }),
        returnTo: localUrl("/account", { notice: "password-changed" }),
      });
    }),
  );
}
