import type { FastifyInstance } from "fastify";
import { decide, deny, issueCode } from "../../authorize/decide.js";
import type { Context } from "../../context.js";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/pages.js";
import { consentPage } from "../../pages/consent.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { singleValued } from "../../shared/params.js";
import { advance } from "../authorize/route.js";

const EXPIRED = errorPage(
  "Request expired",
  "This request is no longer valid. Go back to the application and start again.",
);

/** Consent: lists the client and each scope; allow records the grant and issues a code, deny returns access_denied. */
export function registerConsent(app: FastifyInstance, ctx: Context): void {
  app.get(
    "/consent",
    pageRoute(ctx, async (request, reply) => {
      const interaction = await ctx.interactions.get(singleValued(request.query).request);
      const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
      if (!interaction || !client) return sendPage(reply, 400, EXPIRED);
      const session = await currentSession(ctx, request);
      const user = session && (await ctx.durable.users.get(session.userId));
      if (!session || !user) return seeOther(reply, localUrl("/login", { request: interaction.id }));
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
        return sendPage(reply, 403, errorPage("Form expired", "Go back to the application and start again."));
      const interaction = await ctx.interactions.get(form.request);
      const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
      if (!interaction || !client) return sendPage(reply, 400, EXPIRED);
      const session = await currentSession(ctx, request);
      if (!session || session.userId !== interaction.userId)
        return advance(ctx, request, reply, client, interaction);
      if (form.decision !== "allow" && form.decision !== "deny")
        return sendPage(reply, 400, errorPage("Unknown choice", "Choose Allow or Deny."));
      if (!(await ctx.interactions.finish(interaction.id))) return sendPage(reply, 400, EXPIRED);
      if (form.decision === "deny") return deny(ctx, reply, interaction);
      const step = await decide(ctx, client, interaction, session, true);
      if (step.next !== "issue") return advance(ctx, request, reply, client, interaction);
      const t = Math.floor(Date.now() / 1000);
      const existing = await ctx.durable.grants.get(session.userId, client.id);
      await ctx.durable.grants.upsert({
        userId: session.userId,
        clientId: client.id,
        scopes: [...new Set([...(existing?.scopes ?? []), ...interaction.request.scopes])],
        createdAt: existing?.createdAt ?? t,
        updatedAt: t,
      });
      return issueCode(ctx, reply, interaction, step.session);
    }),
  );
}
