import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { sendPage } from "../../pages/layout.js";
import { enrolmentForm, enrolmentPage, recoveryCodesPage } from "../../pages/one-time-codes.js";
import type { Session } from "../../sessions/sessions.js";
import type { UserRecord } from "../../storage/durable/types.js";
import type { Registry } from "../contract.js";
import { hasOtherFactor, PAGE_ERRORS } from "./factors.js";
import type { OneTimeCodes } from "./service.js";
import { type CodeRouteDeps, FORM_EXPIRED, tooMany } from "./sign-in-routes.js";

/** How recent a sign-in must be to change its second factors (as for linking a provider). */
const FRESH_SIGN_IN = 5 * 60;
const SETUP_PATH = "/account/one-time-codes/setup";

const account = (notice: string) => localUrl("/account", { notice });
const isFresh = (session: Session) => Math.floor(Date.now() / 1000) - session.authTime < FRESH_SIGN_IN;
/** Sign in again (the login page always asks), then come back. */
const signInAgain = (reply: FastifyReply, returnTo: string) =>
  seeOther(reply, localUrl("/login", { return_to: returnTo }));

/**
 * The account page's actions: set up an authenticator app, make new recovery codes,
 * turn the app off. Each needs a sign-in of the last five minutes; turning off the
 * last second factor also needs that sign-in to have used a code, or a recovery code.
 */
export function accountRoutes(
  app: Parameters<FastifyPluginAsync>[0],
  ctx: CodeRouteDeps,
  codes: OneTimeCodes,
  registry: Registry,
) {
  /** The signed-in person of a fresh session, or the reply that ends the request. */
  async function freshSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
  ): Promise<{ session: Session; user: UserRecord } | { done: FastifyReply }> {
    const session = await currentSession(ctx, request);
    const user = session && (await ctx.durable.users.get(session.userId));
    if (!session || !user) return { done: seeOther(reply, localUrl("/login", { return_to: returnTo })) };
    if (!isFresh(session)) return { done: signInAgain(reply, returnTo) };
    return { session, user };
  }

  /** A form of the account page: CSRF first, then a fresh sign-in. */
  async function accountForm(request: FastifyRequest, reply: FastifyReply, returnTo: string) {
    const form = singleValued(request.body);
    if (!ctx.csrf.valid(request, form.csrf)) return { done: sendPage(reply, 403, FORM_EXPIRED) };
    const signedIn = await freshSignIn(request, reply, returnTo);
    return "done" in signedIn ? signedIn : { form, ...signedIn };
  }

  app.get(
    SETUP_PATH,
    pageRoute(ctx, async (request, reply) => {
      const signedIn = await freshSignIn(request, reply, SETUP_PATH);
      if ("done" in signedIn) return signedIn.done;
      const { session, user } = signedIn;
      if (await codes.enrolled(user.id)) return seeOther(reply, account("otp-already"));
      const view = await codes.startEnrolment(user.id, user.username, session.sid);
      const form = enrolmentForm({
        action: SETUP_PATH,
        hidden: { csrf: ctx.csrf.token(request, reply), enrolment: view.handle },
        secret: view.secret,
        uri: view.uri,
        qrSvg: view.qr,
      });
      return sendPage(reply, 200, enrolmentPage(form, "/account"));
    }),
  );

  app.post(
    SETUP_PATH,
    pageRoute(ctx, async (request, reply) => {
      const checked = await accountForm(request, reply, SETUP_PATH);
      if ("done" in checked) return checked.done;
      const { form, session, user } = checked;
      const view = await codes.pendingEnrolment(form.enrolment, user.id, user.username, session.sid);
      if (!view) return seeOther(reply, account("otp-setup-expired"));
      const result = await codes.finishEnrolment(view, user.id, form.code);
      if (result === "used") return seeOther(reply, account("otp-already"));
      if (result === "wrong") {
        ctx.logger.warn({ action: "one-time-code.setup-refused", user: user.id }, "set-up code refused");
        const again = enrolmentForm({
          action: SETUP_PATH,
          hidden: { csrf: form.csrf, enrolment: view.handle },
          secret: view.secret,
          uri: view.uri,
          qrSvg: view.qr,
          error: PAGE_ERRORS["otp-wrong"] as string,
        });
        return sendPage(reply, 400, enrolmentPage(again, "/account"));
      }
      ctx.logger.info({ action: "one-time-code.enabled", user: user.id }, "authenticator app set up");
      return sendPage(
        reply,
        200,
        recoveryCodesPage({ codes: result.recoveryCodes, next: { href: account("otp-enabled") } }),
      );
    }),
  );

  app.post(
    "/account/recovery-codes/regenerate",
    pageRoute(ctx, async (request, reply) => {
      const checked = await accountForm(request, reply, "/account");
      if ("done" in checked) return checked.done;
      const { user } = checked;
      if (!(await codes.enrolled(user.id)) && !(await hasOtherFactor(registry, user.id)))
        return seeOther(reply, account("recovery-no-factor"));
      const fresh = await codes.regenerateRecoveryCodes(user.id);
      ctx.logger.info({ action: "recovery-code.regenerated", user: user.id }, "recovery codes made anew");
      return sendPage(
        reply,
        200,
        recoveryCodesPage({ codes: fresh, next: { href: account("recovery-regenerated") } }),
      );
    }),
  );

  app.post(
    "/account/one-time-codes/remove",
    pageRoute(ctx, async (request, reply) => {
      const checked = await accountForm(request, reply, "/account");
      if ("done" in checked) return checked.done;
      const { form, session, user } = checked;
      if (!(await codes.enrolled(user.id))) return seeOther(reply, account("otp-not-set-up"));
      const others = await hasOtherFactor(registry, user.id);
      // The last second factor: only whoever just proved it (or holds a recovery code) turns it off.
      if (!others && !session.amr.includes("otp")) {
        if (!form.recovery_code) return seeOther(reply, account("otp-last"));
        const outcome = await codes.useRecoveryCode(user.id, form.recovery_code);
        if (typeof outcome === "object") return tooMany(reply, outcome.retryAfter, "/account");
        if (outcome !== "ok") {
          ctx.logger.warn({ action: "recovery-code.refused", user: user.id }, "recovery code refused");
          return seeOther(reply, account("otp-last"));
        }
      }
      await codes.remove(user.id, { recoveryCodes: !others });
      ctx.logger.info({ action: "one-time-code.removed", user: user.id }, "authenticator app turned off");
      return seeOther(reply, account("otp-removed"));
    }),
  );
}
