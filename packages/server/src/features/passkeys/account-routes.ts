import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyInstance } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { newPasskeyPage } from "../../pages/passkeys.js";
import type { Registry } from "../contract.js";
import { hasOtherFactor, isFresh, now, type PasskeyRouteDeps } from "./deps.js";
import { passkeyName } from "./sign-in-routes.js";
import { parseCredential, verifiedRegistration } from "./webauthn.js";

const FORM_EXPIRED = errorPage("Form expired", "Reload the account page and try again.");
const NEW_PATH = "/account/passkeys/new";

/**
 * Passkeys on the account page: adding one (its own page, which loads the script;
 * only within five minutes of signing in) and removing one (the same; the last second
 * factor only after a sign-in that used a passkey).
 */
export function accountRoutes(app: FastifyInstance, ctx: PasskeyRouteDeps, registry: Registry): void {
  const { passkeys, ceremonies, rp } = ctx;

  app.get(
    NEW_PATH,
    pageRoute(ctx, async (request, reply) => {
      const session = await currentSession(ctx, request);
      if (!session) return seeOther(reply, localUrl("/login", { return_to: NEW_PATH }));
      const fresh = isFresh(session);
      return sendPage(
        reply,
        200,
        newPasskeyPage({
          csrf: ctx.csrf.token(request, reply),
          fresh,
          signInHref: localUrl("/login", { return_to: NEW_PATH }),
        }),
        { scripts: fresh },
      );
    }),
  );

  app.post(
    "/account/passkeys",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, FORM_EXPIRED);
      const session = await currentSession(ctx, request);
      const ceremony = await ceremonies.finish(request, reply, "register");
      if (!isFresh(session)) return seeOther(reply, NEW_PATH);
      if (!ceremony || ceremony.userId !== session.userId || ceremony.sid !== session.sid)
        return seeOther(reply, localUrl("/account", { notice: "passkey-not-created" }));
      const response = parseCredential<RegistrationResponseJSON>(form.credential, [
        "clientDataJSON",
        "attestationObject",
      ]);
      const made = response && (await verifiedRegistration(rp, response, ceremony.challenge));
      const added =
        made &&
        (await passkeys.insert({
          ...made,
          userId: session.userId,
          rpId: rp.id,
          name: passkeyName(form.name),
          createdAt: now(),
          lastUsedAt: null,
        }));
      if (!made || !added) {
        ctx.logger.warn(
          { action: "passkey.refused", ceremony: "register", user: session.userId },
          "passkey registration refused",
        );
        return seeOther(reply, localUrl("/account", { notice: "passkey-not-created" }));
      }
      ctx.logger.info(
        { action: "passkey.added", user: session.userId, credential: made.id },
        "passkey added",
      );
      return seeOther(reply, localUrl("/account", { notice: "passkey-added" }));
    }),
  );

  app.post(
    "/account/passkeys/remove",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, FORM_EXPIRED);
      const session = await currentSession(ctx, request);
      if (!session) return seeOther(reply, "/login");
      if (!isFresh(session)) return seeOther(reply, localUrl("/login", { return_to: "/account" }));
      const own = await passkeys.listByUser(session.userId);
      const passkey = own.find((p) => p.id === form.passkey);
      if (!passkey) return seeOther(reply, localUrl("/account", { notice: "passkey-unknown" }));
      const last = own.length === 1 && !(await hasOtherFactor(registry, session.userId));
      // Removing the last second factor needs proof of it (or a recovery code), not only the password.
      if (
        last &&
        !session.amr.some((m) => m === "hwk" || m === "swk") &&
        !(await redeemedRecoveryCode(registry, session.userId, form.recovery_code))
      )
        return seeOther(reply, localUrl("/account", { notice: "passkey-last" }));
      await passkeys.delete(session.userId, passkey.id);
      ctx.logger.info(
        { action: "passkey.removed", user: session.userId, credential: passkey.id },
        "passkey removed",
      );
      return seeOther(reply, localUrl("/account", { notice: "passkey-removed" }));
    }),
  );
}

/** A recovery code typed in the removal form, used up by the factor that keeps them. */
async function redeemedRecoveryCode(
  registry: Registry,
  userId: string,
  code: string | undefined,
): Promise<boolean> {
  if (!code?.trim()) return false;
  for (const factor of registry.secondFactors)
    if (factor.redeem && (await factor.redeem(userId, code))) return true;
  return false;
}
