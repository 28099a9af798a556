import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { SECOND_FACTOR_PATH } from "../../interaction/paths.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { passkeyFailurePage } from "../../pages/passkeys.js";
import type { Registry } from "../contract.js";
import { checkAssertion } from "./assertions.js";
import type { CeremonyKind } from "./ceremonies.js";
import { hasAnyFactor, now, type PasskeyRouteDeps } from "./deps.js";
import { parseCredential, passkeyMethods, verifiedRegistration } from "./webauthn.js";

const FORM_EXPIRED = errorPage("Form expired", "Go back, reload the page and try again.");
const NOT_ACCEPTED =
  "This passkey was not accepted here, or the attempt expired or was already used. Nothing was changed.";

/**
 * The answers of the sign-in ceremonies, posted as forms by the script: a passkey
 * without a username (`/passkeys/sign-in`), a passkey as the second step or a step-up
 * (`/passkeys/second-factor`), and a passkey set up right after a first factor
 * (`/passkeys/enrol`). Each ends in the interaction flow like any sign-in.
 */
export function signInRoutes(app: FastifyInstance, ctx: PasskeyRouteDeps, registry: Registry): void {
  const { passkeys, ceremonies, rp } = ctx;
  const flow = registry.interaction;
  const secondFactorPage = (reply: FastifyReply, request?: string, error = "passkey-failed") =>
    seeOther(reply, localUrl(SECOND_FACTOR_PATH, { request, error }));
  /** A second step's answer: its form, whose step it is, and this browser's ceremony of `kind` (used up). */
  const secondStepAnswer = async (request: FastifyRequest, reply: FastifyReply, kind: CeremonyKind) => {
    const form = singleValued(request.body);
    const subject = await flow.secondFactorSubject(request, {
      interactionId: form.request,
      returnTo: form.return_to,
    });
    return { form, subject, ceremony: await ceremonies.finish(request, reply, kind) };
  };

  app.post(
    "/passkeys/sign-in",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, FORM_EXPIRED);
      const retry = localUrl("/login", { request: form.request, return_to: form.return_to });
      const ceremony = await ceremonies.finish(request, reply, "sign-in");
      if (!ceremony) return sendPage(reply, 400, passkeyFailurePage(NOT_ACCEPTED, retry));
      const checked = await checkAssertion(ctx, form.credential, ceremony);
      const user = checked.ok ? await ctx.durable.users.get(checked.passkey.userId) : undefined;
      if (!checked.ok || !user || user.disabled)
        return sendPage(reply, 400, passkeyFailurePage(NOT_ACCEPTED, retry));
      ctx.logger.info(
        { action: "passkey.sign-in", user: user.id, credential: checked.passkey.id },
        "signed in with a passkey",
      );
      return flow.completeSignIn(request, reply, {
        user,
        // User verification makes the passkey two factors in one (possession and PIN or biometrics).
        amr: checked.userVerified ? [...checked.methods, "mfa"] : checked.methods,
        ...(form.request ? { interactionId: form.request } : {}),
        ...(form.return_to ? { returnTo: form.return_to } : {}),
      });
    }),
  );

  app.post(
    "/passkeys/second-factor",
    pageRoute(ctx, async (request, reply) => {
      if (!ctx.csrf.valid(request, singleValued(request.body).csrf))
        return sendPage(reply, 403, FORM_EXPIRED);
      const { form, subject, ceremony } = await secondStepAnswer(request, reply, "second-factor");
      if (!subject) return seeOther(reply, localUrl("/login", { request: form.request }));
      if (!ceremony || ceremony.userId !== subject.userId)
        return secondFactorPage(reply, subject.interactionId);
      const checked = await checkAssertion(ctx, form.credential, ceremony, subject.userId);
      if (!checked.ok) return secondFactorPage(reply, subject.interactionId);
      if (await flow.completeSecondFactor(request, reply, subject, checked.methods)) return reply;
      return sendPage(
        reply,
        400,
        passkeyFailurePage(NOT_ACCEPTED, localUrl("/login", { request: form.request })),
      );
    }),
  );

  app.post(
    "/passkeys/enrol",
    pageRoute(ctx, async (request, reply) => {
      if (!ctx.csrf.valid(request, singleValued(request.body).csrf))
        return sendPage(reply, 403, FORM_EXPIRED);
      const { form, subject, ceremony } = await secondStepAnswer(request, reply, "enrol");
      if (subject?.source !== "held") return seeOther(reply, localUrl("/login", { request: form.request }));
      if (!ceremony || ceremony.userId !== subject.userId || (await hasAnyFactor(registry, subject.userId)))
        return secondFactorPage(reply, subject.interactionId, "passkey-not-created");
      const response = parseCredential<RegistrationResponseJSON>(form.credential, [
        "clientDataJSON",
        "attestationObject",
      ]);
      const made = response && (await verifiedRegistration(rp, response, ceremony.challenge));
      const passkey = made && {
        ...made,
        userId: subject.userId,
        rpId: rp.id,
        name: passkeyName(form.name),
        createdAt: now(),
        lastUsedAt: now(),
      };
      if (!passkey || !(await passkeys.insert(passkey))) {
        ctx.logger.warn(
          { action: "passkey.refused", ceremony: "enrol", user: subject.userId },
          "passkey registration refused",
        );
        return secondFactorPage(reply, subject.interactionId, "passkey-not-created");
      }
      if (!(await flow.completeSecondFactor(request, reply, subject, passkeyMethods(passkey, false)))) {
        await passkeys.delete(subject.userId, passkey.id);
        return sendPage(
          reply,
          400,
          passkeyFailurePage(NOT_ACCEPTED, localUrl("/login", { request: form.request })),
        );
      }
      ctx.logger.info(
        { action: "passkey.added", user: subject.userId, credential: passkey.id },
        "passkey added",
      );
      return reply;
    }),
  );
}

/** The person's name for a passkey: trimmed, printable, at most 64 characters; "Passkey" when empty. */
export function passkeyName(value: string | undefined): string {
  const name = (value ?? "")
    .replace(/[\p{C}]/gu, "")
    .trim()
    .slice(0, 64);
  return name || "Passkey";
}
