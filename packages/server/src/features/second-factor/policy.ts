import { AUTHORIZATION_ERROR } from "../../interaction/authorization-error.js";
import { type InteractionCheck, promptPage } from "../../interaction/checks.js";
import type { Interaction } from "../../interaction/interactions.js";
import { SECOND_FACTOR_PATH } from "../../interaction/paths.js";
import { ACR, type AcrValue, acrOf, requiredOf, satisfies, stronger } from "../../oauth/assurance.js";
import type { Session } from "../../sessions/sessions.js";
import type { ClientRecord, UserRecord } from "../../storage/durable/types.js";
import { ADMIN_ROLE } from "../../users/roles.js";
import type { SecondFactor, SignInGate } from "../contract.js";

/** Who must always use a second factor (`features.secondFactor.require`). */
export type SecondFactorRequirement = "none" | "administrators" | "everyone";

/** The scope of the admin API: a token for it needs what the admin pages need. */
const ADMIN_SCOPE = "frontdesk:admin";

/** The second step of a sign-in, or step-up of a session: silent requests get interaction_required. */
export const SECOND_FACTOR = promptPage("second_factor", SECOND_FACTOR_PATH);

/** The level the server-wide setting asks of this person, whatever they sign in to. */
export function personLevel(user: UserRecord, require: SecondFactorRequirement): AcrValue | undefined {
  if (require === "everyone") return ACR.mfa;
  if (require === "administrators" && user.roles.includes(ADMIN_ROLE)) return ACR.mfa;
  return undefined;
}

/**
 * The level a request asks for: its `acr_values`, the client's registered minimum,
 * and, under a second-factor requirement, the admin scope.
 */
export function requestLevel(
  request: Interaction["request"],
  client: ClientRecord | undefined,
  require: SecondFactorRequirement,
): AcrValue | undefined {
  const asked = requiredOf(request.acrValues);
  const registered = requiredOf(client?.metadata.defaultAcrValues);
  const admin = require !== "none" && request.scopes.includes(ADMIN_SCOPE) ? ACR.mfa : undefined;
  return stronger(stronger(asked, registered), admin);
}

/** A refused request waiting to be returned (authorization-error) asks for no level: it only carries the error back. */
const asks = (interaction: Interaction): boolean => interaction.kind !== AUTHORIZATION_ERROR;

/** The level a live session reached. */
export const sessionLevel = (session: Session): string => session.acr ?? acrOf(session.amr);

/**
 * The gate after a first factor: a person who has a second factor is asked for it,
 * and so is everyone the setting or the request requires one of.
 */
export function secondFactorGate(
  require: SecondFactorRequirement,
  clients: { get(id: string): Promise<ClientRecord | undefined> },
): SignInGate {
  return async (user, interaction, factors) => {
    const client = interaction && (await clients.get(interaction.request.clientId));
    const asked =
      interaction && asks(interaction) ? requestLevel(interaction.request, client, require) : undefined;
    const own = (await hasSecondFactor(factors, user.id)) ? ACR.mfa : undefined;
    return stronger(stronger(asked, own), personLevel(user, require));
  };
}

export async function hasSecondFactor(factors: readonly SecondFactor[], userId: string): Promise<boolean> {
  for (const factor of factors) if (await factor.enrolled(userId)) return true;
  return false;
}

/**
 * A signed-in session that does not reach what the request or the setting asks for
 * goes to the second-factor page (step-up), never straight on.
 */
export function assuranceCheck(require: SecondFactorRequirement): InteractionCheck {
  return {
    name: "acr",
    check: ({ interaction, client, session, user }) => {
      if (!session || !user) return undefined;
      const asked = asks(interaction) ? requestLevel(interaction.request, client, require) : undefined;
      const required = stronger(asked, personLevel(user, require));
      return satisfies(sessionLevel(session), required)
        ? undefined
        : { prompt: SECOND_FACTOR, reason: "acr" };
    },
  };
}
