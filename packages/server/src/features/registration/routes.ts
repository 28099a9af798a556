import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { resumeUrl } from "../../interaction/paths.js";
import { isEmailAddress } from "../../mail/message.js";
import { singleValued } from "../../oauth/params.js";
import { alreadyRegisteredEmail } from "../../pages/account-emails.js";
import { sendPage } from "../../pages/layout.js";
import type { PendingRequest } from "../../pages/password.js";
import {
  confirmEmailPage,
  registerPage,
  registrationClosedPage,
  registrationSentPage,
} from "../../pages/register.js";
import { newPasswordProblem } from "../../users/password-policy.js";
import { hashPassword } from "../../users/passwords.js";
import { RequestLimits } from "../../users/request-limits.js";
import { createUser, InvalidUserInput, USERNAME } from "../../users/users.js";
import type { CoreServices, Registry } from "../contract.js";

/** Registration attempts allowed per IP and hour (each may send a message). */
export const REGISTRATION_LIMIT = { perIp: 10, window: 3600 } as const;

export type RegistrationDeps = Pick<
  CoreServices,
  | "config"
  | "durable"
  | "fast"
  | "sessions"
  | "cookies"
  | "csrf"
  | "interactions"
  | "logger"
  | "mail"
  | "emailVerification"
>;

const USERNAME_HINT = "Choose a username of letters, digits and . _ @ + - (up to 64).";
const TAKEN = "That username is taken. Choose another.";

/**
 * Open registration: username, address and password (twice) on one form.
 *
 * With registrationRequiresVerifiedEmail (the default) the answer is one page, "check
 * your email", whether the account was created (its verification message is on the
 * way) or the address already has an account (its owner is told instead, and nothing
 * changes): the form does not tell who has an account here. The password is hashed in
 * both cases, so the time taken does not tell either. A taken username is said
 * plainly: the person has to pick another, and usernames are not secret. Without
 * verification, the new account signs in at once, and a taken address is said too.
 */
export function registrationRoutes(app: FastifyInstance, ctx: RegistrationDeps, registry: Registry): void {
  const limits = new RequestLimits(ctx.fast, "registration", REGISTRATION_LIMIT.window);
  const verify = ctx.config.registrationRequiresVerifiedEmail;
  const pendingOf = (fields: Record<string, string>): PendingRequest => ({
    request: fields.request,
    returnTo: safeReturnTo(fields.return_to),
  });
  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    fields: PendingRequest & { username?: string; email?: string; error?: string },
  ) => sendPage(reply, status, registerPage({ csrf: ctx.csrf.token(request, reply), ...fields }));

  app.get(
    "/signup",
    pageRoute(ctx, async (request, reply) =>
      render(request, reply, 200, pendingOf(singleValued(request.query))),
    ),
  );

  app.post(
    "/signup",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      const pending = pendingOf(form);
      const username = (form.username ?? "").trim();
      const email = (form.email ?? "").trim();
      const again = (status: number, error: string) =>
        render(request, reply, status, { ...pending, username, email, error });
      if (!ctx.csrf.valid(request, form.csrf)) return again(403, "Your form expired. Please try again.");
      if (!USERNAME.test(username)) return again(400, USERNAME_HINT);
      if (!isEmailAddress(email)) return again(400, "Enter your email address, such as name@example.com.");
      const problem = newPasswordProblem({
        password: form.password,
        confirmation: form.confirmation,
        username,
      });
      if (problem) return again(400, problem);
      const password = form.password as string;
      // Counted once the form is complete: what it limits is lookups, accounts and messages.
      const admitted = await limits.take([{ key: `ip:${request.ip}`, limit: REGISTRATION_LIMIT.perIp }]);
      if (!admitted.ok) {
        reply.header("retry-after", String(admitted.retryAfter));
        return again(429, "Too many registrations from here. Wait an hour and try again.");
      }
      if (await ctx.durable.users.getByUsername(username)) return again(409, TAKEN);
      const owners = await ctx.durable.users.findByEmail(email);
      if (owners.length > 0) {
        if (!verify)
          return again(409, "An account with this email address exists. Sign in, or reset its password.");
        await hashPassword(password); // the work creating the account would have done
        const content = alreadyRegisteredEmail({
          issuer: ctx.config.issuer,
          signInUrl: `${ctx.config.issuer}/login`,
          ...(registry.signInLinks.some((l) => l.path === "/login/forgot")
            ? { resetUrl: `${ctx.config.issuer}/login/forgot` }
            : {}),
        });
        await ctx.mail.send({ to: email, ...content, kind: "already-registered" });
        return sendPage(reply, 200, registrationSentPage({ ...pending, email }));
      }
      let user: Awaited<ReturnType<typeof createUser>>;
      try {
        user = await createUser(ctx, { username, password, email });
      } catch (error) {
        // Another registration took the name between the check and the insert.
        if (error instanceof InvalidUserInput || (await ctx.durable.users.getByUsername(username)))
          return again(409, TAKEN);
        throw error;
      }
      await ctx.emailVerification.send(user);
      ctx.logger.info({ action: "user.register", user: user.id }, "account registered");
      if (verify) return sendPage(reply, 200, registrationSentPage({ ...pending, email }));
      return registry.interaction.completeSignIn(request, reply, {
        user,
        amr: ["pwd"],
        ...(pending.request ? { interactionId: pending.request } : {}),
        ...(pending.returnTo ? { returnTo: pending.returnTo } : {}),
      });
    }),
  );
}

/**
 * The page of the `email_verified` check: it names the address, sends the message
 * again, and goes back into the request once the address is confirmed.
 */
export function confirmEmailRoutes(app: FastifyInstance, ctx: RegistrationDeps): void {
  const NOT_YET = "The address is not confirmed yet: follow the link in the message, then continue.";
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const fields = singleValued(request.method === "GET" ? request.query : request.body);
    const session = await currentSession(ctx, request);
    const user = session && (await ctx.durable.users.get(session.userId));
    const interaction = await ctx.interactions.get(fields.request);
    if (!user || !interaction) return seeOther(reply, "/login");
    if (user.emailVerified || !user.email) return seeOther(reply, resumeUrl(interaction.id));
    let status = 200;
    let notice: string | undefined;
    let error: string | undefined;
    if (request.method === "POST") {
      if (!ctx.csrf.valid(request, fields.csrf)) {
        status = 403;
        error = "Your form expired. Please try again.";
      } else if (fields.action !== "resend") error = NOT_YET;
      else if ((await ctx.emailVerification.resend(user)) === "limited") {
        status = 429;
        error = "We sent it several times already: wait an hour, or look in the spam folder.";
      } else notice = "We sent the message again.";
    }
    return sendPage(
      reply,
      status,
      confirmEmailPage({
        csrf: ctx.csrf.token(request, reply),
        request: interaction.id,
        email: user.email,
        notice,
        error,
      }),
    );
  };
  app.get(
    "/signup/confirm-email",
    pageRoute(ctx, (request, reply) => page(request, reply)),
  );
  app.post(
    "/signup/confirm-email",
    pageRoute(ctx, (request, reply) => page(request, reply)),
  );
}

/** `/signup` while registration is closed or by invitation: one page saying so, for a link or a form alike. */
export function closedRegistrationRoutes(
  app: FastifyInstance,
  ctx: Pick<CoreServices, "config" | "logger">,
): void {
  const closed = pageRoute(ctx, async (request, reply) => {
    const fields = singleValued(request.method === "GET" ? request.query : request.body);
    return sendPage(
      reply,
      403,
      registrationClosedPage({
        request: fields.request,
        returnTo: safeReturnTo(fields.return_to),
        byInvitation: ctx.config.registration === "invite",
      }),
    );
  });
  app.get("/signup", closed);
  app.post("/signup", closed);
}
