import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { singleValued } from "../../oauth/params.js";
import { sendPage } from "../../pages/layout.js";
import { loginPage } from "../../pages/login.js";
import { localHref } from "../../pages/password.js";
import { readCookie, setDeviceCookie } from "../../sessions/cookies.js";
import { DEVICE_TTL } from "../../users/login-throttle.js";
import { verifyPassword } from "../../users/passwords.js";
import { upgradePasswordHash } from "../../users/users.js";
import type { CoreServices, FeatureRouteOptions, Registry } from "../contract.js";

const GENERIC_FAILURE = "Wrong username or password.";
const THROTTLED = "Too many failed attempts. Wait a few minutes and try again.";
/** Confirmations other pages send here with `?notice=`: only these texts are ever shown. */
const NOTICES: Record<string, string> = {
  "password-reset": "Your new password is set, and you are signed out everywhere. Sign in with it.",
  "email-confirmed": "Your email address is confirmed. Sign in to continue.",
};

type LoginDeps = Pick<
  CoreServices,
  "durable" | "interactions" | "sessions" | "cookies" | "csrf" | "loginThrottle" | "logger"
>;

async function renderLogin(
  ctx: LoginDeps,
  { signInLinks: links, signInMethods: methods }: Pick<Registry, "signInLinks" | "signInMethods">,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  input: { interactionId?: string; returnTo?: string; username?: string; error?: string; notice?: string },
): Promise<FastifyReply> {
  const interaction = await ctx.interactions.get(input.interactionId);
  const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
  const pending = { request: interaction?.id, returnTo: safeReturnTo(input.returnTo) };
  const offers = await Promise.all(methods.map((m) => m.offer(pending)));
  const buttons = offers.flatMap((o) => o.buttons);
  const identifierFirst = offers.some((o) => o.routesIdentifiers);
  const scripts = [...new Set(offers.flatMap((o) => o.scripts ?? []))];
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
      notice: input.notice,
      links: links.map((link) => ({ href: localHref(link.path, pending), label: link.label })),
      buttons,
      identifierFirst,
      blocks: offers.flatMap((o) => (o.block ? [o.block] : [])),
      usernameAutocomplete: offers.flatMap((o) => (o.usernameAutocomplete ? [o.usernameAutocomplete] : [])),
      scripts,
    }),
    { scripts: scripts.length > 0 },
  );
}

/**
 * Sign-in page with a password. Success goes through completeSignIn (a brand-new
 * session, no fixation) and marks the browser as known to the account (a device
 * cookie) and replaces an imported password hash by argon2id; failures are throttled
 * (see LoginThrottle) with one message for every cause.
 */
export function loginRoutes(ctx: LoginDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    app.get(
      "/login",
      pageRoute(ctx, async (request, reply) => {
        const query = singleValued(request.query);
        return renderLogin(ctx, registry, request, reply, 200, {
          interactionId: query.request,
          returnTo: query.return_to,
          username: query.username?.slice(0, 64),
          notice: NOTICES[query.notice ?? ""],
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
        const again = (status: number, error: string, r: FastifyReply = reply) =>
          renderLogin(ctx, registry, request, r, status, {
            interactionId,
            returnTo,
            username,
            error,
          });
        if (!ctx.csrf.valid(request, form.csrf)) return again(403, "Your form expired. Please try again.");
        if (!username) return again(400, "Enter your username and password.");
        // Identifier-first: an address a company's provider serves goes there; its password is never looked at here.
        const pending = { request: interactionId, returnTo: safeReturnTo(returnTo) };
        for (const method of registry.signInMethods) {
          const route = await method.identifierRoute?.(username, pending);
          if (route) return seeOther(reply, route);
        }
        if (!form.password) return again(400, "Enter your username and password.");
        const device = readCookie(request, ctx.cookies.device);
        const admission = await ctx.loginThrottle.admit(username, request.ip, device);
        if (!admission.ok)
          return again(429, THROTTLED, reply.header("retry-after", String(admission.retryAfter)));
        const user = await ctx.durable.users.getByUsername(username);
        const ok = await verifyPassword(user?.passwordHash ?? undefined, form.password);
        if (!ok || !user || user.disabled) {
          await ctx.loginThrottle.failed(request.ip);
          return again(401, GENERIC_FAILURE);
        }
        // An imported hash (bcrypt, scrypt, PBKDF2, Firebase) becomes argon2id now.
        await upgradePasswordHash(ctx, user, form.password);
        const known = await ctx.loginThrottle.succeeded(username, request.ip, device, admission.knownDevice);
        setDeviceCookie(reply, ctx.cookies, known, DEVICE_TTL);
        return registry.interaction.completeSignIn(request, reply, {
          user,
          amr: ["pwd"],
          ...(interactionId ? { interactionId } : {}),
          ...(returnTo ? { returnTo } : {}),
        });
      }),
    );

    app.get(
      "/",
      pageRoute(ctx, async (request, reply) =>
        seeOther(reply, (await currentSession(ctx, request)) ? "/account" : "/login"),
      ),
    );
  };
}
