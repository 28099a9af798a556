import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import type { SecondFactorSubject } from "../../interaction/flow.js";
import { HELD_TTL } from "../../interaction/held-sign-ins.js";
import { SECOND_FACTOR_PATH } from "../../interaction/paths.js";
import { ACR } from "../../oauth/assurance.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import {
  enrolmentForm,
  enrolmentPage,
  recoveryCodesPage,
  tooManyCodesPage,
} from "../../pages/one-time-codes.js";
import type { UserRecord } from "../../storage/durable/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";
import type { CoreServices, Registry } from "../contract.js";
import { PAGE_ERRORS } from "./factors.js";
import type { CodeOutcome, OneTimeCodes } from "./service.js";

export type CodeRouteDeps = Pick<
  CoreServices,
  "durable" | "sessions" | "cookies" | "csrf" | "logger" | "fast"
>;

export const FORM_EXPIRED = errorPage("Form expired", "Go back, reload the page and try again.");
const NOTHING_HELD = errorPage(
  "Sign-in already finished",
  "This sign-in was completed or expired. Start again from the application.",
);
/** A sign-in whose app was just switched on, between showing its recovery codes and going on. */
const ENROLLED = "otp-enrolled-sign-in";

/** Back to the second-factor page with one of this feature's error keys. */
function backToPage(reply: FastifyReply, form: Record<string, string>, error: string): FastifyReply {
  return seeOther(
    reply,
    localUrl(SECOND_FACTOR_PATH, { request: form.request, return_to: form.return_to, error }),
  );
}

export function tooMany(reply: FastifyReply, retryAfter: number, backHref: string): FastifyReply {
  return sendPage(
    reply.header("retry-after", String(retryAfter)),
    429,
    tooManyCodesPage(retryAfter, backHref),
  );
}

/**
 * The second step of a sign-in (or a step-up) with a code: from the authenticator app,
 * a recovery code, or (a second factor required of someone who has none) the first
 * code of an app being set up on the spot. Each verifies, then hands over to
 * `completeSecondFactor` with RFC 8176 `otp` (it has no value of its own for recovery codes).
 */
export function signInRoutes(
  app: Parameters<FastifyPluginAsync>[0],
  ctx: CodeRouteDeps,
  codes: OneTimeCodes,
  registry: Registry,
) {
  const flow = registry.interaction;

  /** The checked form and whose factor it is for, or the reply that ends the request. */
  async function subjectOf(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<
    { form: Record<string, string>; subject: SecondFactorSubject; user: UserRecord } | { done: FastifyReply }
  > {
    const form = singleValued(request.body);
    if (!ctx.csrf.valid(request, form.csrf)) return { done: sendPage(reply, 403, FORM_EXPIRED) };
    const subject = await flow.secondFactorSubject(request, {
      interactionId: form.request,
      returnTo: form.return_to,
    });
    if (!subject) return { done: seeOther(reply, localUrl("/login", { request: form.request })) };
    const user = await ctx.durable.users.get(subject.userId);
    if (!user || user.disabled) {
      await flow.held.drop(request, reply);
      return { done: seeOther(reply, "/login") };
    }
    // A typed code can be phished: it never completes a step that must be phishing-resistant.
    if (subject.required === ACR.phr) return { done: backToPage(reply, form, "otp-not-enough") };
    return { form, subject, user };
  }

  async function complete(
    request: FastifyRequest,
    reply: FastifyReply,
    subject: SecondFactorSubject,
  ): Promise<FastifyReply> {
    if (await flow.completeSecondFactor(request, reply, subject, ["otp"])) return reply;
    return sendPage(reply, 400, NOTHING_HELD);
  }

  function refused(
    reply: FastifyReply,
    form: Record<string, string>,
    user: UserRecord,
    kind: string,
    outcome: Exclude<CodeOutcome, "ok">,
  ): FastifyReply {
    if (typeof outcome === "object") {
      ctx.logger.warn({ action: `${kind}.throttled`, user: user.id }, "too many wrong codes");
      const back = localUrl(SECOND_FACTOR_PATH, { request: form.request, return_to: form.return_to });
      return tooMany(reply, outcome.retryAfter, back);
    }
    ctx.logger.warn(
      { action: `${kind}.refused`, user: user.id, reason: outcome },
      "second-factor code refused",
    );
    if (kind === "recovery-code") return backToPage(reply, form, "recovery-wrong");
    return backToPage(reply, form, outcome === "used" ? "otp-used" : "otp-wrong");
  }

  app.post(
    "/login/one-time-codes",
    pageRoute(ctx, async (request, reply) => {
      const checked = await subjectOf(request, reply);
      if ("done" in checked) return checked.done;
      const { form, subject, user } = checked;
      const outcome = await codes.verify(user.id, form.code);
      if (outcome !== "ok") return refused(reply, form, user, "one-time-code", outcome);
      return complete(request, reply, subject);
    }),
  );

  app.post(
    "/login/recovery-codes",
    pageRoute(ctx, async (request, reply) => {
      const checked = await subjectOf(request, reply);
      if ("done" in checked) return checked.done;
      const { form, subject, user } = checked;
      const outcome = await codes.useRecoveryCode(user.id, form.code);
      if (outcome !== "ok") return refused(reply, form, user, "recovery-code", outcome);
      ctx.logger.info({ action: "recovery-code.used", user: user.id }, "recovery code used");
      return complete(request, reply, subject);
    }),
  );

  // Set-up on the spot: only right after a first factor, only for someone without any second factor.
  app.post(
    "/login/one-time-codes/enrol",
    pageRoute(ctx, async (request, reply) => {
      const checked = await subjectOf(request, reply);
      if ("done" in checked) return checked.done;
      const { form, subject, user } = checked;
      if (subject.source !== "held") return backToPage(reply, form, "otp-setup-expired");
      for (const factor of registry.secondFactors)
        if (await factor.enrolled(user.id)) return backToPage(reply, form, "otp-setup-expired");
      const view = await codes.pendingEnrolment(form.enrolment, user.id, user.username);
      if (!view) return backToPage(reply, form, "otp-setup-expired");
      const result = await codes.finishEnrolment(view, user.id, form.code);
      if (result === "used") return backToPage(reply, form, "otp-setup-expired");
      if (result === "wrong") {
        ctx.logger.warn({ action: "one-time-code.setup-refused", user: user.id }, "set-up code refused");
        const hidden = {
          csrf: form.csrf,
          enrolment: view.handle,
          request: form.request,
          return_to: form.return_to,
        };
        const again = enrolmentForm({
          action: "/login/one-time-codes/enrol",
          hidden,
          secret: view.secret,
          uri: view.uri,
          qrSvg: view.qr,
          error: PAGE_ERRORS["otp-wrong"] as string,
        });
        const back = localUrl(SECOND_FACTOR_PATH, { request: form.request, return_to: form.return_to });
        return sendPage(reply, 400, enrolmentPage(again, back));
      }
      ctx.logger.info({ action: "one-time-code.enabled", user: user.id }, "authenticator app set up");
      const token = newOpaqueToken();
      await ctx.fast.set(ENROLLED, hashToken(token), user.id, HELD_TTL);
      return sendPage(
        reply,
        200,
        recoveryCodesPage({
          codes: result.recoveryCodes,
          next: { action: "/login/one-time-codes/continue", hidden: { csrf: form.csrf, continue: token } },
        }),
      );
    }),
  );

  // After the recovery codes were shown: the sign-in whose app was just switched on goes on.
  app.post(
    "/login/one-time-codes/continue",
    pageRoute(ctx, async (request, reply) => {
      const checked = await subjectOf(request, reply);
      if ("done" in checked) return checked.done;
      const { form, subject } = checked;
      const token = form.continue ?? "";
      const owner =
        token && token.length <= 128 ? await ctx.fast.consume(ENROLLED, hashToken(token)) : undefined;
      if (subject.source !== "held" || owner !== subject.userId) return sendPage(reply, 400, NOTHING_HELD);
      return complete(request, reply, subject);
    }),
  );
}
