import type { RegistrationOffer } from "../clients/registration.js";
import { ClientAuthentication } from "../http/client-auth/authenticate.js";
import { type ClientAuthMethod, coreClientAuthMethods } from "../http/client-auth/methods.js";
import { composeSteps } from "../interaction/authorization-request/pipeline.js";
import { coreAuthorizationSteps } from "../interaction/authorization-request/steps.js";
import { composeChecks, coreInteractionChecks } from "../interaction/checks.js";
import { InteractionFlow } from "../interaction/flow.js";
import { BEARER } from "../tokens/token-response.js";
import type {
  CoreServices,
  Feature,
  FeatureOptions,
  FeatureParts,
  GrantHandler,
  Registry,
} from "./contract.js";

/** A feature and its built parts. */
export interface BuiltFeature {
  name: string;
  parts: FeatureParts;
}

/** Whether a feature is on, from its validated section (`required` ones always are). */
export function featureOptions(feature: Feature, services: Pick<CoreServices, "config">) {
  // A configuration loaded without feature sections (a library caller) gets each feature's defaults.
  const section = services.config.features[feature.name] ?? feature.options?.parse({}) ?? {};
  const switched =
    typeof section.enabled === "boolean" ? section.enabled : (feature.enabledByDefault ?? true);
  const enabled = feature.required === true || switched;
  return { ...section, enabled } as FeatureOptions<NonNullable<typeof feature.options>>;
}

/** Subscribes the built features' session-end listeners and user-data erasers (by feature name: subscribing again replaces). */
export function subscribeSessionEnd(
  services: Pick<CoreServices, "sessions" | "userData">,
  built: readonly BuiltFeature[],
) {
  for (const { name, parts } of built) {
    if (parts.sessionEnd) services.sessions.onEnd(name, parts.sessionEnd);
    if (parts.userData) services.userData.register(name, parts.userData);
  }
}

/** Builds the enabled features, in list order. */
export async function buildFeatures(
  features: readonly Feature[],
  services: CoreServices,
): Promise<BuiltFeature[]> {
  const built: BuiltFeature[] = [];
  for (const feature of features) {
    const options = featureOptions(feature, services);
    if (!options.enabled) continue;
    built.push({ name: feature.name, parts: await feature.build(services, options) });
  }
  return built;
}

function collectGrants(built: readonly BuiltFeature[]): Map<string, GrantHandler> {
  const grants = new Map<string, GrantHandler>();
  for (const { name, parts } of built)
    for (const [grantType, handler] of Object.entries(parts.grants ?? {})) {
      if (grants.has(grantType)) throw new Error(`grant_type ${grantType} is registered twice (${name})`);
      grants.set(grantType, handler);
    }
  return grants;
}

/** The one feature's part of a kind only one feature may provide (token binding, resource proof). */
function atMostOne<K extends "tokenBinding" | "resourceProof" | "signInGate">(
  built: readonly BuiltFeature[],
  part: K,
  what: string,
): FeatureParts[K] {
  const providers = built.filter((b) => b.parts[part]);
  if (providers.length > 1)
    throw new Error(
      `${what} is provided by more than one feature: ${providers.map((b) => b.name).join(", ")}`,
    );
  return providers[0]?.parts[part];
}

/**
 * What a client may register: the grant types and client authentication methods the
 * registry holds, the very lists discovery advertises (so a switched-off grant or
 * method is refused at registration too).
 */
export function registrationOffer(registry: Pick<Registry, "grants" | "clientAuth">): RegistrationOffer {
  return { grantTypes: [...registry.grants.keys()], authMethods: registry.clientAuth.names() };
}

/** Adds up the parts of the enabled features: the one registry every endpoint and discovery read. */
export function buildRegistry(services: CoreServices, built: readonly BuiltFeature[]): Registry {
  const all = <T>(pick: (parts: FeatureParts) => readonly T[] | undefined): T[] =>
    built.flatMap((b) => pick(b.parts) ?? []);
  const methods: ClientAuthMethod[] = [...coreClientAuthMethods, ...all((p) => p.clientAuthMethods)];
  const factors = all((p) => p.secondFactors);
  const gate = atMostOne(built, "signInGate", "the sign-in gate");
  const registry: Registry = {
    features: built.map((b) => b.name),
    grants: collectGrants(built),
    clientAuth: new ClientAuthentication(services, methods),
    authorizationSteps: composeSteps(
      coreAuthorizationSteps,
      all((p) => p.authorizationSteps),
    ),
    interaction: new InteractionFlow(
      services,
      composeChecks(
        coreInteractionChecks,
        all((p) => p.interactionChecks),
      ),
      all((p) => p.interactionKinds),
      gate && ((user, interaction) => gate(user, interaction, factors)),
    ),
    tokenBinding: atMostOne(built, "tokenBinding", "token binding") ?? (async () => BEARER),
    resourceProof: atMostOne(built, "resourceProof", "resource proof"),
    introspection: all((p) => p.introspection),
    revocation: all((p) => p.revocation),
    machineAudiences: all((p) => p.machineAudiences),
    corsPaths: all((p) => p.corsPaths),
    signInLinks: all((p) => p.signInLinks),
    signInMethods: all((p) => p.signInMethods),
    accountSections: all((p) => p.accountSections),
    secondFactors: factors,
    adminApi: all((p) => (p.adminApi ? [p.adminApi] : undefined)),
    metadata: () => Object.assign({}, ...built.map((b) => b.parts.metadata?.(registry) ?? {})),
  };
  return registry;
}
