import type { FastifyReply, FastifyRequest } from "fastify";
import { localUrl, seeOther } from "../../http/page-route.js";
import { errorPage } from "../../pages/error.js";
import { sendPage } from "../../pages/layout.js";
import { linkRequiredPage, upstreamFailurePage } from "../../pages/upstream.js";
import type { CoreServices, Registry } from "../contract.js";
import type { SignInOutcome } from "./accounts.js";
import { authorizationUrl, type UpstreamProfile } from "./exchange.js";
import { classifyFailure, FAILURES } from "./failures.js";
import type { PendingFlow, UpstreamFlowState } from "./flow-state.js";
import { openidClient } from "./openid-client.js";
import type { UpstreamProviders } from "./providers.js";
import type { ProviderRecord } from "./records.js";
import type { IdentityRepository } from "./repositories.js";

export type UpstreamRouteDeps = Pick<
  CoreServices,
  "durable" | "sessions" | "cookies" | "csrf" | "logger" | "interactions"
>;

/** The feature's services, built once. */
export interface Upstream {
  providers: UpstreamProviders;
  identities: IdentityRepository;
  flows: UpstreamFlowState;
}

/** The pending request a sign-in continues. */
export type Pending = Pick<PendingFlow, "interactionId" | "returnTo">;

export const now = () => Math.floor(Date.now() / 1000);
export const UNKNOWN = errorPage(
  "Unknown sign-in provider",
  "This way to sign in does not exist (any more).",
);
export const BAD_FORM = errorPage("Form expired", "Go back, reload the page and try again.");

export function loginHref(pending: Pending): string {
  return localUrl("/login", { request: pending.interactionId, return_to: pending.returnTo });
}

/**
 * The replies every upstream route shares: a failure page (logged with the provider's
 * error), sending the browser to the provider, and where a resolved sign-in goes.
 */
export function upstreamReplies(ctx: UpstreamRouteDeps, upstream: Upstream) {
  const { providers, flows } = upstream;
  const failed = (reply: FastifyReply, provider: ProviderRecord, pending: Pending, error: unknown) => {
    const refused = classifyFailure(error);
    ctx.logger.warn(
      {
        provider: provider.id,
        reason: refused.reason,
        providerError: refused.providerError,
        err: { message: refused.message },
      },
      "upstream sign-in failed",
    );
    const { status, message } = FAILURES[refused.reason];
    return sendPage(
      reply,
      status,
      upstreamFailurePage({
        providerName: provider.name,
        message: message(provider.name),
        retryHref: localUrl(`/upstream/${provider.id}/start`, {
          request: pending.interactionId,
          return_to: pending.returnTo,
        }),
        otherWayHref: loginHref(pending),
      }),
    );
  };

  const begin = async (
    reply: FastifyReply,
    provider: ProviderRecord,
    flow: Omit<PendingFlow, "providerId" | "nonce" | "codeVerifier">,
    loginHint?: string,
  ) => {
    let config: Awaited<ReturnType<UpstreamProviders["configuration"]>>;
    try {
      config = await providers.configuration(provider);
    } catch (error) {
      return failed(reply, provider, flow, error);
    }
    const { randomNonce, randomPKCECodeVerifier } = await openidClient();
    const pending: PendingFlow = {
      ...flow,
      providerId: provider.id,
      nonce: randomNonce(),
      codeVerifier: randomPKCECodeVerifier(),
    };
    const state = await flows.start(reply, pending, provider.settings.responseMode === "form_post");
    const url = await authorizationUrl(
      provider,
      config,
      providers.redirectUri(provider.id),
      { state, ...pending },
      loginHint,
    );
    return seeOther(reply, url.href);
  };

  const signInOutcome = async (
    request: FastifyRequest,
    reply: FastifyReply,
    registry: Registry,
    provider: ProviderRecord,
    pending: Pending,
    profile: UpstreamProfile,
    outcome: SignInOutcome,
  ) => {
    switch (outcome.kind) {
      case "signed-in":
        ctx.logger.info(
          {
            action: "upstream.sign-in",
            provider: provider.id,
            user: outcome.user.id,
            created: outcome.created,
            linked: outcome.linked,
          },
          "signed in through an upstream provider",
        );
        return registry.interaction.completeSignIn(request, reply, {
          user: outcome.user,
          amr: ["fed"],
          idp: provider.id,
          ...(pending.interactionId ? { interactionId: pending.interactionId } : {}),
          ...(pending.returnTo ? { returnTo: pending.returnTo } : {}),
        });
      case "disabled":
        ctx.logger.warn(
          { provider: provider.id, user: outcome.user.id },
          "upstream sign-in to a disabled account",
        );
        return sendPage(
          reply,
          403,
          upstreamFailurePage({
            providerName: provider.name,
            message: "This account is disabled. Ask the people who run this service.",
            otherWayHref: loginHref(pending),
          }),
        );
      case "linked-elsewhere":
        return sendPage(
          reply,
          409,
          upstreamFailurePage({
            providerName: provider.name,
            message: `This ${provider.name} account is already linked to another account here. Nothing was changed.`,
            otherWayHref: "/account",
          }),
        );
      case "link-required":
        await flows.holdLink(reply, {
          providerId: provider.id,
          profile,
          ...pending,
          offerNewAccount: outcome.offerNewAccount,
          heldAt: now(),
        });
        return sendPage(
          reply,
          200,
          linkRequiredPage({
            csrf: ctx.csrf.token(request, reply),
            providerName: provider.name,
            email: profile.email ?? "",
            signInHref: localUrl("/login", { return_to: "/upstream/link" }),
            offerNewAccount: outcome.offerNewAccount,
          }),
        );
    }
  };

  return { failed, begin, signInOutcome };
}

export type UpstreamReplies = ReturnType<typeof upstreamReplies>;
