import type { FastifyPluginAsync } from "fastify";
import { localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { SECOND_FACTOR_PATH } from "../../interaction/paths.js";
import { ACR } from "../../oauth/assurance.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { secondFactorPage } from "../../pages/second-factor.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";
import { hasSecondFactor, personLevel, requestLevel, type SecondFactorRequirement } from "./policy.js";

type Deps = Pick<CoreServices, "durable" | "interactions" | "csrf" | "logger">;

const FORM_EXPIRED = errorPage("Form expired", "Go back, reload the page and try again.");

/**
 * The second-factor page: whose sign-in is held (or which session steps up), the level
 * needed, and each factor's form for it. Factors verify on their own routes.
 */
export function secondFactorRoutes(
  ctx: Deps,
  require: SecondFactorRequirement,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const flow = registry.interaction;
    const factors = registry.secondFactors;

    app.get(
      SECOND_FACTOR_PATH,
      pageRoute(ctx, async (request, reply) => {
        const query = singleValued(request.query);
        const subject = await flow.secondFactorSubject(request, {
          interactionId: query.request,
          returnTo: query.return_to,
        });
        if (!subject) return seeOther(reply, localUrl("/login", { request: query.request }));
        const user = await ctx.durable.users.get(subject.userId);
        if (!user || user.disabled) {
          await flow.held.drop(request, reply);
          return seeOther(reply, "/login");
        }
        const interaction = await ctx.interactions.get(subject.interactionId);
        const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
        const required =
          subject.required ??
          (interaction ? requestLevel(interaction.request, client, require) : undefined) ??
          personLevel(user, require) ??
          ACR.mfa;
        const enrolled = await hasSecondFactor(factors, user.id);
        const input = {
          user,
          csrf: ctx.csrf.token(request, reply),
          pending: { request: subject.interactionId, returnTo: subject.returnTo },
          required,
          enrolling: !enrolled && subject.source === "held",
          ...(query.error ? { error: query.error.slice(0, 64) } : {}),
        };
        const sections = (await Promise.all(factors.map((f) => f.render(input)))).filter(
          (s) => s !== undefined,
        );
        const scripts = [...new Set(factors.flatMap((f) => f.scripts ?? []))];
        return sendPage(
          reply,
          200,
          secondFactorPage({
            csrf: input.csrf,
            request: subject.interactionId,
            username: user.username,
            sections,
            stepUp: subject.source === "session",
            scripts,
            ...(sections.length === 0
              ? { signInAgainHref: localUrl("/login", { request: subject.interactionId }) }
              : {}),
          }),
          { scripts: scripts.length > 0 },
        );
      }),
    );

    // Cancelling drops the held sign-in; a pending request goes back to its client as access_denied.
    app.post(
      "/login/second-factor/cancel",
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, FORM_EXPIRED);
        await flow.held.drop(request, reply);
        if (await flow.cancelled(reply, form.request)) return reply;
        return seeOther(reply, "/login");
      }),
    );
  };
}
