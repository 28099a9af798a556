import type { FastifyPluginAsync } from "fastify";
import { currentSession, pageRoute } from "../../http/page-route.js";
import { REQUEST_EXPIRED } from "../../interaction/flow.js";
import { RESUME_PATH } from "../../interaction/paths.js";
import { singleValued } from "../../oauth/params.js";
import { consentPage } from "../../pages/consent.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";

type ConsentDeps = Pick<
  CoreServices,
  "durable" | "interactions" | "sessions" | "cookies" | "csrf" | "logger"
>;

/**
 * Consent lists the client and each scope; the answer goes to the flow
 * (`InteractionFlow.consentAnswered`: allow records the grant and completes the
 * interaction, deny ends it with access_denied). `/authorize/resume` continues an
 * interaction after any page (sign-in, consent, a feature's prompt).
 */
export function consentRoutes(ctx: ConsentDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    const flow = registry.interaction;
    const pending = async (id: string | undefined) => {
      const interaction = await ctx.interactions.get(id);
      const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
      return interaction && client ? { interaction, client } : undefined;
    };

    app.get(
      RESUME_PATH,
      pageRoute(ctx, async (request, reply) => {
        const id = (request.query as Record<string, unknown>).request;
        const found = await pending(typeof id === "string" ? id : undefined);
        if (!found)
          return sendPage(
            reply,
            400,
            errorPage("Sign-in request expired", "Go back to the application and start again."),
          );
        return flow.advance(request, reply, found.client, found.interaction);
      }),
    );

    app.get(
      "/consent",
      pageRoute(ctx, async (request, reply) => {
        const found = await pending(singleValued(request.query).request);
        if (!found) return sendPage(reply, 400, REQUEST_EXPIRED);
        const { interaction, client } = found;
        const session = await currentSession(ctx, request);
        const user = session && (await ctx.durable.users.get(session.userId));
        // Not signed in (any more): the policy says where to (the sign-in page).
        if (!session || !user) return flow.advance(request, reply, client, interaction);
        await ctx.interactions.save({ ...interaction, userId: user.id });
        return sendPage(
          reply,
          200,
          consentPage({
            csrf: ctx.csrf.token(request, reply),
            request: interaction.id,
            clientName: client.name,
            username: user.username,
            scopes: interaction.request.scopes,
          }),
        );
      }),
    );

    app.post(
      "/consent",
      pageRoute(ctx, async (request, reply) => {
        const form = singleValued(request.body);
        if (!ctx.csrf.valid(request, form.csrf))
          return sendPage(
            reply,
            403,
            errorPage("Form expired", "Go back to the application and start again."),
          );
        const found = await pending(form.request);
        if (!found) return sendPage(reply, 400, REQUEST_EXPIRED);
        const { interaction, client } = found;
        const session = await currentSession(ctx, request);
        if (!session || session.userId !== interaction.userId)
          return flow.advance(request, reply, client, interaction);
        if (form.decision !== "allow" && form.decision !== "deny")
          return sendPage(reply, 400, errorPage("Unknown choice", "Choose Allow or Deny."));
        return flow.consentAnswered(request, reply, {
          client,
          interaction,
          session,
          allowed: form.decision === "allow",
        });
      }),
    );
  };
}
