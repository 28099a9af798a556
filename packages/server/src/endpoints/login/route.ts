import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../../context.js";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/pages.js";
import { sendPage } from "../../pages/layout.js";
import { loginPage } from "../../pages/login.js";
import { readCookie, setSessionCookie } from "../../sessions/cookies.js";
import { singleValued } from "../../shared/params.js";
import { verifyPassword } from "../../users/passwords.js";

const GENERIC_FAILURE = "Wrong username or password.";
const THROTTLED = "Too many failed attempts. Wait a few minutes and try again.";

async function renderLogin(
  ctx: Context,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  input: { interactionId?: string; returnTo?: string; username?: string; error?: string },
): Promise<FastifyReply> {
  const interaction = await ctx.interactions.get(input.interactionId);
  const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
  return sendPage(
    reply,
    status,
    loginPage({
      csrf: ctx.csrf.token(request, reply),
      request: interaction?.id,
      returnTo: safeReturnTo(input.returnTo),
      clientName: client?.name,
      username: input.username ?? interaction?.request.loginHint ?? undefined,
      error: input.error,
    }),
  );
}

/** Where to go after signing in: back into the authorization request, or the account page. */
function afterLogin(interactionId: string | undefined, returnTo: string | undefined): string {
  if (interactionId) return localUrl("/authorize/resume", { request: interactionId });
  return safeReturnTo(returnTo) ?? "/account";
}

/** Only a path on this server (never `//host` or a scheme): no open redirect. */
export function safeReturnTo(value: string | undefined): string | undefined {
  if (
    !value ||
    value.length > 2048 ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.includes("\\")
  )
    return undefined;
  return /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

/**
 * Sign-in page. A success always starts a brand-new session (no fixation); failures
 * are rate limited per account and per IP with one message for every cause.
 */
export function registerLogin(app: FastifyInstance, ctx: Context): void {
  app.get(
    "/login",
    pageRoute(ctx, async (request, reply) => {
      const query = singleValued(request.query);
      return renderLogin(ctx, request, reply, 200, {
        interactionId: query.request,
        returnTo: query.return_to,
      });
    }),
  );

  app.post(
    "/login",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      const interactionId = form.request;
      const returnTo = form.return_to;
      const username = (form.username ?? "").trim();
      if (!ctx.csrf.valid(request, form.csrf))
        return renderLogin(ctx, request, reply, 403, {
          interactionId,
          returnTo,
          username,
          error: "Your form expired. Please try again.",
        });
      if (!username || !form.password)
        return renderLogin(ctx, request, reply, 400, {
          interactionId,
          returnTo,
          username,
          error: "Enter your username and password.",
        });
      if (
        (await ctx.loginThrottle.blocked(username, request.ip)) ||
        !(await ctx.loginThrottle.reserve(username))
      )
        return renderLogin(ctx, request, reply.header("retry-after", "900"), 429, {
          interactionId,
          returnTo,
          username,
          error: THROTTLED,
        });
      const user = await ctx.durable.users.getByUsername(username);
      const ok = await verifyPassword(user?.passwordHash, form.password);
      if (!ok || !user || user.disabled) {
        await ctx.loginThrottle.failed(request.ip);
        return renderLogin(ctx, request, reply, 401, {
          interactionId,
          returnTo,
          username,
          error: GENERIC_FAILURE,
        });
      }
      await ctx.loginThrottle.succeeded(username);
      const previous = readCookie(request, ctx.cookies.session);
      if (previous) await ctx.sessions.end(previous);
      const { token, session } = await ctx.sessions.create({
        userId: user.id,
        amr: ["pwd"],
        userAgent: request.headers["user-agent"] ?? "",
        ip: request.ip,
      });
      setSessionCookie(reply, ctx.cookies, token, ctx.config.sessionAbsoluteTtl);
      // This sign-in satisfies the pending request's prompt=login / max_age.
      const interaction = await ctx.interactions.get(interactionId);
      if (interaction) await ctx.interactions.save({ ...interaction, loginSid: session.sid });
      return seeOther(reply, afterLogin(interactionId, returnTo));
    }),
  );

  app.get(
    "/",
    pageRoute(ctx, async (request, reply) =>
      seeOther(reply, (await currentSession(ctx, request)) ? "/account" : "/login"),
    ),
  );
}
