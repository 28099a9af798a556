import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { decide, issueCode } from "../../authorize/decide.js";
import type { Interaction } from "../../authorize/interactions.js";
import { ReturnableError, UnreturnableError, validateAuthorizationRequest } from "../../authorize/request.js";
import { redirectToClient } from "../../authorize/respond.js";
import type { Context } from "../../context.js";
import { type FormBody, parseForm } from "../../http/form-body.js";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/pages.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import type { ClientRecord } from "../../storage/durable/types.js";
import { paths } from "../discovery/metadata.js";

function queryOf(request: FastifyRequest): FormBody {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  return q < 0 ? Object.create(null) : parseForm(url.slice(q + 1));
}

/** Moves an interaction to its next step: sign-in page, consent page, or code. */
export async function advance(
  ctx: Context,
  request: FastifyRequest,
  reply: FastifyReply,
  client: ClientRecord,
  interaction: Interaction,
): Promise<FastifyReply> {
  const session = await currentSession(ctx, request);
  const step = await decide(ctx, client, interaction, session);
  const { redirectUri, state } = interaction.request;
  switch (step.next) {
    case "login":
      return seeOther(reply, localUrl("/login", { request: interaction.id }));
    case "consent":
      return seeOther(reply, localUrl("/consent", { request: interaction.id }));
    case "error":
      await ctx.interactions.finish(interaction.id);
      return redirectToClient(reply, ctx.config.issuer, redirectUri, state, { error: step.error });
    case "issue":
      if (!(await ctx.interactions.finish(interaction.id)))
        return sendPage(
          reply,
          400,
          errorPage(
            "Request already completed",
            "This sign-in request was already used. Start again from the application.",
          ),
        );
      return issueCode(ctx, reply, interaction, step.session);
  }
}

/**
 * Authorization endpoint (GET and POST): validate -> errors to an error page
 * (unknown client, unregistered redirect URI) or to the client -> sign-in ->
 * consent -> code.
 */
export function registerAuthorize(app: FastifyInstance, ctx: Context): void {
  const handle = pageRoute(ctx, async (request, reply) => {
    const params =
      request.method === "POST"
        ? ((request.body as FormBody | undefined) ?? Object.create(null))
        : queryOf(request);
    try {
      const { client, request: authz } = await validateAuthorizationRequest(ctx, params);
      const interaction = await ctx.interactions.start(authz);
      return await advance(ctx, request, reply, client, interaction);
    } catch (error) {
      if (error instanceof UnreturnableError)
        return sendPage(reply, 400, errorPage("This request cannot be completed", error.message));
      if (error instanceof ReturnableError)
        return redirectToClient(reply, ctx.config.issuer, error.redirectUri, error.state, {
          error: error.error,
        });
      throw error;
    }
  });
  app.get(paths.authorization, handle);
  app.post(paths.authorization, handle);

  app.get(
    `${paths.authorization}/resume`,
    pageRoute(ctx, async (request, reply) => {
      const id = (request.query as Record<string, unknown>).request;
      const interaction = await ctx.interactions.get(typeof id === "string" ? id : undefined);
      const client = interaction && (await ctx.durable.clients.get(interaction.request.clientId));
      if (!interaction || !client)
        return sendPage(
          reply,
          400,
          errorPage("Sign-in request expired", "Go back to the application and start again."),
        );
      return advance(ctx, request, reply, client, interaction);
    }),
  );
}
