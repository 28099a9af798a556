import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { singleValued } from "../../oauth/params.js";
import { passwordChangedEmail, passwordResetEmail } from "../../pages/account-emails.js";
import { sendPage } from "../../pages/layout.js";
import {
  brokenLinkPage,
  forgotPasswordPage,
  type PendingRequest,
  resetLinkSentPage,
  resetPasswordPage,
} from "../../pages/password.js";
import type { UserRecord } from "../../storage/durable/types.js";
import { passwordFingerprint, replacePassword } from "../../users/password-changes.js";
import { newPasswordProblem } from "../../users/password-policy.js";
import { RequestLimits } from "../../users/request-limits.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import type { AfterAnswer } from "./background.js";

/** The reset link's lifetime: 15 minutes (OWASP Forgot Password Cheat Sheet). */
export const RESET_LINK_TTL = 15 * 60;
/** The window of the reset request limits: one hour. */
const LIMIT_WINDOW = 3600;
const PURPOSE = "reset-password";
const BROKEN = { what: "password reset", again: { href: "/login/forgot", label: "Ask for a new link" } };

export type ResetDeps = Pick<
  CoreServices,
  | "config"
  | "durable"
  | "fast"
  | "sessions"
  | "refreshTokens"
  | "revocations"
  | "loginThrottle"
  | "csrf"
  | "logger"
  | "mail"
  | "accountLinks"
>;

/** The accounts a reset request names: by username, or every account with that address. Disabled ones never. */
async function accountsNamed(ctx: ResetDeps, identifier: string): Promise<UserRecord[]> {
  const found = identifier.includes("@")
    ? await ctx.durable.users.findByEmail(identifier)
    : [await ctx.durable.users.getByUsername(identifier)];
  return found.filter((u): u is UserRecord => u !== undefined && !u.disabled && u.email !== null);
}

/** Emails each account a new link, bound to its current password; earlier links of the account stop working. */
async function sendResetLinks(ctx: ResetDeps, identifier: string, pending: PendingRequest): Promise<void> {
  for (const user of await accountsNamed(ctx, identifier)) {
    const email = user.email as string;
    await ctx.accountLinks.revokeAll(PURPOSE, user.id);
    const token = await ctx.accountLinks.issue({
      purpose: PURPOSE,
      userId: user.id,
      email,
      ttlSeconds: RESET_LINK_TTL,
      bindTo: passwordFingerprint(user),
      // Only where to go after signing in again (a local path). Not the pending
      // authorization request: whoever asks for the link chooses it, and the owner
      // should not be walked from a genuine message into someone else's request.
      data: pending.returnTo ? { returnTo: pending.returnTo } : {},
    });
    const content = passwordResetEmail({
      issuer: ctx.config.issuer,
      username: user.username,
      url: ctx.accountLinks.linkUrl("/login/reset", token),
      minutes: RESET_LINK_TTL / 60,
    });
    await ctx.mail.send({ to: email, ...content, kind: PURPOSE });
  }
}

/** The live link of a token and its account, while the account's password is the one it was issued for. */
async function liveLink(ctx: ResetDeps, token: string | undefined) {
  if (!token) return undefined;
  const link = await ctx.accountLinks.peek(PURPOSE, token);
  const user = link?.userId ? await ctx.durable.users.get(link.userId) : undefined;
  if (!link || !user || user.disabled || link.bindTo !== passwordFingerprint(user)) return undefined;
  return { link, user, token };
}

/**
 * Password reset: "Forgot password?" under the sign-in form → a username or address →
 * always the same answer, before any lookup is made (the lookup, the link and the
 * message happen after it, see AfterAnswer) → the emailed link (single use, 15
 * minutes, stored hashed, bound to the password it replaces) → a new password, which
 * revokes everything the person held, and a message saying so.
 */
export function passwordResetRoutes(
  ctx: ResetDeps,
  afterAnswer: AfterAnswer,
  /** Requests allowed per hour: for one address (or username), and from one IP over all. */
  allowed: { perAddress: number; perIp: number },
): FastifyPluginAsync<FeatureRouteOptions> {
  const limits = new RequestLimits(ctx.fast, "password-reset", LIMIT_WINDOW);
  return async (app) => {
    const pendingOf = (fields: Record<string, string>): PendingRequest => ({
      request: fields.request,
      returnTo: safeReturnTo(fields.return_to),
    });

    app.get(
      "/login/forgot",
      pageRoute(ctx, async (request, reply) => {
        const query = singleValued(request.query);
        return sendPage(
          reply,
          200,
          forgotPasswordPage({ csrf: ctx.csrf.token(request, reply), ...pendingOf(query) }),
        );
      }),
    );

    app.post(
      "/login/forgot",
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        const pending = pendingOf(form);
        const identifier = (form.identifier ?? "").trim();
        const again = (status: number, error: string) =>
          sendPage(
            reply,
            status,
            forgotPasswordPage({ csrf: ctx.csrf.token(request, reply), ...pending, identifier, error }),
          );
        if (!ctx.csrf.valid(request, form.csrf)) return again(403, "Your form expired. Please try again.");
        if (!identifier || identifier.length > 254)
          return again(400, "Enter your username or email address.");
        const admitted = await limits.take([
          { key: `address:${identifier.toLowerCase()}`, limit: allowed.perAddress },
          { key: `ip:${request.ip}`, limit: allowed.perIp },
        ]);
        if (!admitted.ok) {
          reply.header("retry-after", String(admitted.retryAfter));
          return again(429, "Too many reset requests. Wait an hour and try again.");
        }
        afterAnswer.run(() => sendResetLinks(ctx, identifier, pending));
        return sendPage(
          reply,
          200,
          resetLinkSentPage({ ...pending, identifier, minutes: RESET_LINK_TTL / 60 }),
        );
      }),
    );

    const renderForm = (
      request: FastifyRequest,
      reply: FastifyReply,
      status: number,
      live: { user: UserRecord; token: string },
      error?: string,
    ) =>
      sendPage(
        reply,
        status,
        resetPasswordPage({
          csrf: ctx.csrf.token(request, reply),
          token: live.token,
          username: live.user.username,
          ...(error ? { error } : {}),
        }),
      );

    // Opening the link only shows the form: a mail scanner that fetches it uses nothing up.
    app.get(
      "/login/reset",
      pageRoute(ctx, async (request, reply) => {
        const live = await liveLink(ctx, singleValued(request.query).token);
        if (!live) return sendPage(reply, 400, brokenLinkPage(BROKEN));
        return renderForm(request, reply, 200, live);
      }),
    );

    app.post(
      "/login/reset",
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        const live = await liveLink(ctx, form.token);
        if (!live) return sendPage(reply, 400, brokenLinkPage(BROKEN));
        const { user, token } = live;
        if (!ctx.csrf.valid(request, form.csrf))
          return renderForm(request, reply, 403, live, "Your form expired. Please try again.");
        const problem = newPasswordProblem({
          password: form.password,
          confirmation: form.confirmation,
          username: user.username,
        });
        if (problem) return renderForm(request, reply, 400, live, problem);
        const used = await ctx.accountLinks.consume(PURPOSE, token, { bindTo: passwordFingerprint(user) });
        if (!used || used.userId !== user.id) return sendPage(reply, 400, brokenLinkPage(BROKEN));
        await replacePassword(ctx, user, form.password as string);
        const notice = passwordChangedEmail({
          issuer: ctx.config.issuer,
          username: user.username,
          how: "reset",
          at: Math.floor(Date.now() / 1000),
          resetUrl: `${ctx.config.issuer}/login/forgot`,
        });
        await ctx.mail.send({ to: used.email, ...notice, kind: "password-changed" });
        const { returnTo } = used.data;
        return seeOther(
          reply,
          localUrl("/login", {
            notice: "password-reset",
            username: user.username,
            return_to: typeof returnTo === "string" ? safeReturnTo(returnTo) : undefined,
          }),
        );
      }),
    );
  };
}
