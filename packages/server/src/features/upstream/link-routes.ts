import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { resumeUrl } from "../../interaction/paths.js";
import { singleValued } from "../../oauth/params.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { confirmLinkPage } from "../../pages/upstream.js";
import type { Session } from "../../sessions/sessions.js";
import type { Registry } from "../contract.js";
import { createLinkedUser, linkToUser } from "./accounts.js";
import { isLastWayIn } from "./operator.js";
import {
  BAD_FORM,
  loginHref,
  now,
  UNKNOWN,
  type Upstream,
  type UpstreamReplies,
  type UpstreamRouteDeps,
} from "./replies.js";

/** How recent a sign-in must be to link a provider from the account page. */
const FRESH_SIGN_IN = 5 * 60;

/** Linking: a held identity to the account the person signed in to, and from the account page. */
export function linkRoutes(
  app: Parameters<FastifyPluginAsync>[0],
  ctx: UpstreamRouteDeps,
  upstream: Upstream,
  registry: Registry,
  { signInOutcome: outcomeReply, begin }: Pick<UpstreamReplies, "signInOutcome" | "begin">,
) {
  const { providers, identities, flows } = upstream;
  const deps = { durable: ctx.durable, identities };
  const nothingHeld = (reply: FastifyReply) =>
    sendPage(
      reply,
      400,
      errorPage(
        "Nothing to link",
        "This linking request expired or was finished. Sign in again to start over.",
      ),
    );
  const signedInSince = (session: Session | undefined, since: number) =>
    session !== undefined && session.authTime >= since;

  app.get(
    "/upstream/link",
    pageRoute(ctx, async (request, reply) => {
      const held = await flows.peekLink(request);
      if (!held) return nothingHeld(reply);
      const provider = await providers.get(held.providerId);
      if (!provider) return nothingHeld(reply);
      const session = await currentSession(ctx, request);
      const user = session && (await ctx.durable.users.get(session.userId));
      if (!user || !signedInSince(session, held.heldAt))
        return seeOther(reply, localUrl("/login", { return_to: "/upstream/link" }));
      return sendPage(
        reply,
        200,
        confirmLinkPage({
          csrf: ctx.csrf.token(request, reply),
          providerName: provider.name,
          email: held.profile.email,
          username: user.username,
        }),
      );
    }),
  );

  app.post(
    "/upstream/link",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, BAD_FORM);
      const session = await currentSession(ctx, request);
      const user = session && (await ctx.durable.users.get(session.userId));
      const held = await flows.peekLink(request);
      if (!held) return nothingHeld(reply);
      if (!session || !user || !signedInSince(session, held.heldAt))
        return seeOther(reply, localUrl("/login", { return_to: "/upstream/link" }));
      const taken = await flows.takeLink(request, reply);
      const provider = taken && (await providers.get(taken.providerId));
      if (!taken || !provider) return nothingHeld(reply);
      const outcome = await linkToUser(deps, provider, taken.profile, user);
      if (outcome.kind !== "signed-in")
        return outcomeReply(request, reply, registry, provider, taken, taken.profile, outcome);
      ctx.logger.info(
        { action: "upstream.link", provider: provider.id, user: user.id },
        "upstream identity linked",
      );
      const interaction = await ctx.interactions.get(taken.interactionId);
      // The person just signed in for this request: it counts as this request's sign-in (prompt=login, max_age).
      if (interaction) {
        await ctx.interactions.save({ ...interaction, loginSid: session.sid });
        return seeOther(reply, resumeUrl(interaction.id));
      }
      return seeOther(
        reply,
        safeReturnTo(taken.returnTo) ?? localUrl("/account", { notice: "identity-linked" }),
      );
    }),
  );

  app.post(
    "/upstream/link/new",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, BAD_FORM);
      const held = await flows.takeLink(request, reply);
      const provider = held && (await providers.get(held.providerId));
      if (!held || !provider || !held.offerNewAccount) return nothingHeld(reply);
      const outcome = await createLinkedUser(deps, provider, held.profile);
      return outcomeReply(request, reply, registry, provider, held, held.profile, outcome);
    }),
  );

  app.post(
    "/upstream/link/cancel",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, BAD_FORM);
      const held = await flows.takeLink(request, reply);
      return seeOther(reply, loginHref(held ?? {}));
    }),
  );

  app.get(
    "/account/link/:id",
    pageRoute(ctx, async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const provider = await providers.get(id);
      if (!provider) return sendPage(reply, 404, UNKNOWN);
      const session = await currentSession(ctx, request);
      if (!session || now() - session.authTime >= FRESH_SIGN_IN)
        return seeOther(reply, localUrl("/login", { return_to: `/account/link/${provider.id}` }));
      return begin(reply, provider, {
        returnTo: "/account",
        link: { userId: session.userId, sid: session.sid },
      });
    }),
  );

  app.post(
    "/account/identities/unlink",
    pageRoute(ctx, async (request, reply) => {
      const form = singleValued(request.body);
      if (!ctx.csrf.valid(request, form.csrf)) return sendPage(reply, 403, BAD_FORM);
      const session = await currentSession(ctx, request);
      const user = session && (await ctx.durable.users.get(session.userId));
      if (!user) return seeOther(reply, "/login");
      const linked = await identities.listByUser(user.id);
      const identity = linked.find((i) => i.id === form.identity);
      if (!identity) return seeOther(reply, localUrl("/account", { notice: "identity-unknown" }));
      if (isLastWayIn(user, linked))
        return seeOther(reply, localUrl("/account", { notice: "identity-last" }));
      await identities.delete(identity.id);
      ctx.logger.info(
        { action: "upstream.unlink", provider: identity.providerId, user: user.id },
        "upstream identity unlinked",
      );
      return seeOther(reply, localUrl("/account", { notice: "identity-unlinked" }));
    }),
  );
}
