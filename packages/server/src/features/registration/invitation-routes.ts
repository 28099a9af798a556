import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { pageRoute } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { sendPage } from "../../pages/layout.js";
import { brokenLinkPage } from "../../pages/password.js";
import { invitationPage } from "../../pages/register.js";
import { INVITATION_PURPOSE, invitationOf } from "../../users/invitations.js";
import { newPasswordProblem } from "../../users/password-policy.js";
import { createUser, InvalidUserInput, USERNAME } from "../../users/users.js";
import type { CoreServices, Registry } from "../contract.js";

const BROKEN = brokenLinkPage({
  what: "invitation",
  again: { href: "/login", label: "Go to the sign-in page" },
});

export type InvitationRouteDeps = Pick<CoreServices, "durable" | "csrf" | "logger" | "accountLinks">;

/**
 * Accepting an invitation: the emailed link opens a form (a mail scanner fetching it
 * uses nothing up) where the person chooses a username, unless the invitation names
 * one, and a password; the link is used up only when the account is created, with the
 * address verified (the link proved it), and the person is signed in through
 * completeSignIn. This page is where "Continue with …" (upstream sign-in) will offer
 * the other way to accept.
 */
export function invitationRoutes(app: FastifyInstance, ctx: InvitationRouteDeps, registry: Registry): void {
  const live = async (token: string | undefined) => {
    if (!token) return undefined;
    const link = await ctx.accountLinks.peek(INVITATION_PURPOSE, token);
    return link && { link, invitation: invitationOf(link) };
  };
  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    fields: { token: string; email: string; username?: string; typedUsername?: string; error?: string },
  ) => sendPage(reply, status, invitationPage({ csrf: ctx.csrf.token(request, reply), ...fields }));

  app.get(
    "/signup/invitation",
    pageRoute(ctx, async (request, reply) => {
      const { token } = singleValued(request.query);
      const found = await live(token);
      if (!found) return sendPage(reply, 400, BROKEN);
      return render(request, reply, 200, {
        token: token as string,
        email: found.link.email,
        username: found.invitation.username,
      });
    }),
  );

  app.post(
    "/signup/invitation",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      const found = await live(form.token);
      if (!found) return sendPage(reply, 400, BROKEN);
      const token = form.token as string;
      const { link, invitation } = found;
      const username = invitation.username ?? (form.username ?? "").trim();
      const again = (status: number, error: string) =>
        render(request, reply, status, {
          token,
          email: link.email,
          username: invitation.username,
          typedUsername: username,
          error,
        });
      if (!ctx.csrf.valid(request, form.csrf)) return again(403, "Your form expired. Please try again.");
      if (!USERNAME.test(username))
        return again(400, "Choose a username of letters, digits and . _ @ + - (up to 64).");
      const problem = newPasswordProblem({
        password: form.password,
        confirmation: form.confirmation,
        username,
      });
      if (problem) return again(400, problem);
      if (await ctx.durable.users.getByUsername(username))
        return again(
          409,
          invitation.username
            ? "That username was taken meanwhile: ask for a new invitation."
            : "That username is taken. Choose another.",
        );
      if ((await ctx.durable.users.findByEmail(link.email)).length > 0)
        return again(409, "An account with this email address exists now: sign in to it instead.");
      if (!(await ctx.accountLinks.consume(INVITATION_PURPOSE, token))) return sendPage(reply, 400, BROKEN);
      let user: Awaited<ReturnType<typeof createUser>>;
      try {
        user = await createUser(ctx, {
          username,
          password: form.password as string,
          email: link.email,
          emailVerified: true,
          roles: invitation.roles,
          ...(invitation.tenant ? { tenant: invitation.tenant } : {}),
        });
      } catch (error) {
        if (error instanceof InvalidUserInput) return again(409, error.message);
        throw error;
      }
      ctx.logger.info({ action: "user.invitation.accept", user: user.id }, "invitation accepted");
      return registry.interaction.completeSignIn(request, reply, { user, amr: ["pwd"] });
    }),
  );
}
