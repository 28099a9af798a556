import type { FastifyPluginAsync } from "fastify";
import { currentSession, localUrl, pageRoute, seeOther } from "../../http/page-route.js";
import { safeReturnTo } from "../../interaction/flow.js";
import { singleValued } from "../../oauth/params.js";
import { sendPage } from "../../pages/layout.js";
import { upstreamFailurePage } from "../../pages/upstream.js";
import type { FeatureRouteOptions } from "../contract.js";
import { linkToUser, resolveSignIn } from "./accounts.js";
import { exchangeCode, type UpstreamProfile } from "./exchange.js";
import { linkRoutes } from "./link-routes.js";
import { UNKNOWN, type Upstream, type UpstreamRouteDeps, upstreamReplies } from "./replies.js";

/**
 * Sign-in through upstream providers: `/upstream/<id>/start` sends the browser to the
 * provider, `/upstream/<id>/callback` (GET, or POST for form_post) takes its answer on
 * any instance (the pending flow is in the fast store), and the sign-in ends in
 * completeSignIn like a password's. Linking to an existing account goes through
 * `/upstream/link`; the account page links and unlinks under `/account`.
 */
export function upstreamRoutes(
  ctx: UpstreamRouteDeps,
  upstream: Upstream,
): FastifyPluginAsync<FeatureRouteOptions> {
  const { providers, identities, flows } = upstream;
  const deps = { durable: ctx.durable, identities };
  const { failed, begin, signInOutcome } = upstreamReplies(ctx, upstream);
  return async (app, { registry }) => {
    app.get<{ Params: { id: string } }>(
      "/upstream/:id/start",
      pageRoute(ctx, async (request, reply) => {
        const provider = await providers.get((request.params as { id: string }).id);
        if (!provider) return sendPage(reply, 404, UNKNOWN);
        const query = singleValued(request.query);
        const interaction = await ctx.interactions.get(query.request);
        const returnTo = safeReturnTo(query.return_to);
        const hint = query.login_hint && query.login_hint.length <= 254 ? query.login_hint : undefined;
        return begin(
          reply,
          provider,
          { ...(interaction ? { interactionId: interaction.id } : {}), ...(returnTo ? { returnTo } : {}) },
          hint,
        );
      }),
    );

    const callback = pageRoute(ctx, async (request, reply) => {
      const provider = await providers.get((request.params as { id: string }).id);
      if (!provider) return sendPage(reply, 404, UNKNOWN);
      const params = request.method === "POST" ? singleValued(request.body) : singleValued(request.query);
      const finished = await flows.finish(request, reply, params.state);
      if (!finished || finished.flow.providerId !== provider.id) {
        ctx.logger.warn(
          { provider: provider.id, providerError: params.error },
          "upstream callback without a matching sign-in in this browser",
        );
        return sendPage(
          reply,
          400,
          upstreamFailurePage({
            providerName: provider.name,
            message:
              "This sign-in expired, was already used, or was started in another browser. Nothing was changed.",
            retryHref: `/upstream/${provider.id}/start`,
            otherWayHref: "/login",
          }),
        );
      }
      const { flow, state } = finished;
      const url = new URL(providers.redirectUri(provider.id));
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      let profile: UpstreamProfile;
      try {
        profile = await exchangeCode(
          provider,
          await providers.configuration(provider),
          url,
          { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier },
          providers.fetch,
        );
      } catch (error) {
        return failed(reply, provider, flow, error);
      }
      if (provider.settings.apple && !profile.name) profile = { ...profile, name: appleName(params.user) };
      if (flow.link) {
        const session = await currentSession(ctx, request);
        const user =
          session?.sid === flow.link.sid ? await ctx.durable.users.get(flow.link.userId) : undefined;
        if (!session || !user)
          return sendPage(
            reply,
            400,
            upstreamFailurePage({
              providerName: provider.name,
              message: "You are no longer signed in as the person who asked to link. Nothing was changed.",
              otherWayHref: "/account",
            }),
          );
        const outcome = await linkToUser(deps, provider, profile, user);
        if (outcome.kind !== "signed-in")
          return signInOutcome(request, reply, registry, provider, flow, profile, outcome);
        ctx.logger.info(
          { action: "upstream.link", provider: provider.id, user: user.id },
          "upstream identity linked",
        );
        return seeOther(reply, localUrl("/account", { notice: "identity-linked" }));
      }
      return signInOutcome(
        request,
        reply,
        registry,
        provider,
        flow,
        profile,
        await resolveSignIn(deps, provider, profile),
      );
    });
    app.get("/upstream/:id/callback", callback);
    app.post("/upstream/:id/callback", callback);

    linkRoutes(app, ctx, upstream, registry, { signInOutcome, begin });
  };
}

/**
 * Apple sends the person's name only at the first sign-in, beside the code in a `user`
 * form field (unsigned: used for the display name only, never for the address).
 */
function appleName(user: string | undefined): string | null {
  try {
    const name = (JSON.parse(user ?? "null") as { name?: { firstName?: unknown; lastName?: unknown } } | null)
      ?.name;
    const full = [name?.firstName, name?.lastName]
      .filter((p): p is string => typeof p === "string")
      .join(" ")
      .trim();
    return full ? full.slice(0, 200) : null;
  } catch {
    return null;
  }
}
