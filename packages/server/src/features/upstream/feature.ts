import { z } from "zod";
import { localUrl } from "../../http/page-route.js";
import { identitiesSection } from "../../pages/upstream.js";
import { defineFeature, type PendingSignIn, type SignInMethod } from "../contract.js";
import { upstreamAdminApi } from "./admin-api.js";
import { UpstreamFlowState } from "./flow-state.js";
import { upstreamMigrations } from "./migrations.js";
import { isLastWayIn, upstreamServices } from "./operator.js";
import { upstreamRoutes } from "./routes.js";

const ACCOUNT_NOTICES: Record<string, string> = {
  "identity-linked": "The provider is linked: you can sign in with it from now on.",
  "identity-unlinked": "The provider is unlinked.",
  "identity-last": "That provider is your only way to sign in: add a password first.",
  "identity-unknown": "That provider was not linked to your account.",
};

function startHref(id: string, pending: PendingSignIn, loginHint?: string): string {
  return localUrl(`/upstream/${id}/start`, {
    request: pending.request,
    return_to: pending.returnTo,
    login_hint: loginHint,
  });
}

/**
 * Sign-in through upstream identity providers (OpenID Connect or plain OAuth 2.0,
 * presets for GitHub, Google, Microsoft, Apple, GitLab): "Continue with …" on the
 * sign-in page, company SSO by email domain, linked identities on the account page.
 * Providers are added with `frontdesk upstream add` or the admin API (`operator.ts`,
 * `admin-api.ts`); with none, the feature shows nothing.
 */
export const upstreamFeature = defineFeature({
  name: "upstream",
  options: z.object({
    /** Seconds to wait for a provider (discovery, token and user-info requests). */
    timeout: z.coerce.number().min(1).max(60).default(10),
  }),
  migrations: upstreamMigrations,
  build: (services, options) => {
    const { providers, identities } = upstreamServices(services, options.timeout);
    const flows = new UpstreamFlowState(services.fast, services.cookies);
    const signInMethod: SignInMethod = {
      name: "upstream",
      offer: async (pending) => {
        const all = await providers.list();
        return {
          buttons: all.map((p) => ({ href: startHref(p.id, pending), label: `Continue with ${p.name}` })),
          routesIdentifiers: all.some((p) => p.settings.domains.length > 0),
        };
      },
      identifierRoute: async (identifier, pending) => {
        const at = identifier.lastIndexOf("@");
        if (at < 1) return undefined;
        const domain = identifier.slice(at + 1).toLowerCase();
        const provider = (await providers.list()).find((p) => p.settings.domains.includes(domain));
        return provider && startHref(provider.id, pending, identifier);
      },
    };
    return {
      routes: upstreamRoutes(services, { providers, identities, flows }),
      signInMethods: [signInMethod],
      userData: (userId) => identities.deleteAllOfUser(userId),
      adminApi: upstreamAdminApi({ ...services, providers, identities }),
      accountSections: [
        {
          name: "upstream",
          render: async ({ user, csrf, notice }) => {
            const all = await providers.list();
            const linked = await identities.listByUser(user.id);
            if (!all.length && !linked.length) return undefined;
            const names = new Map(all.map((p) => [p.id, p.name]));
            return identitiesSection({
              csrf,
              identities: linked.map((i) => ({
                id: i.id,
                providerName: names.get(i.providerId) ?? i.providerId,
                email: i.email,
                lastUsedAt: i.lastUsedAt,
              })),
              canUnlink: !isLastWayIn(user, linked),
              linkable: all.map((p) => ({
                href: `/account/link/${p.id}`,
                label: linked.some((i) => i.providerId === p.id)
                  ? `Link another ${p.name} account`
                  : `Link ${p.name}`,
              })),
              ...(notice && ACCOUNT_NOTICES[notice] ? { notice: ACCOUNT_NOTICES[notice] } : {}),
            });
          },
        },
      ],
    };
  },
});
