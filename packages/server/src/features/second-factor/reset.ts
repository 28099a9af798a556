import type { Logger } from "pino";
import { NotFound } from "../../errors/oauth-errors.js";
import type { SessionService } from "../../sessions/sessions.js";
import type { DurableStore, UserRecord } from "../../storage/durable/types.js";
import { findUser } from "../../users/users.js";
import { type AdminApiPart, integer, object, string, strings } from "../admin-api.js";
import type { SecondFactor } from "../contract.js";

export interface ResetDeps {
  sessions: SessionService;
  logger: Logger;
}

/**
 * An administrator's reset of a person's second factors (lost phone, lost passkeys):
 * every factor forgets them, and every session of theirs ends, so the next sign-in is
 * a first factor again (then asked to set one up where one is required).
 */
export async function resetSecondFactors(
  deps: ResetDeps,
  factors: readonly SecondFactor[],
  user: UserRecord,
): Promise<{ factors: string[]; sessionsEnded: number }> {
  for (const factor of factors) await factor.reset(user.id);
  const sessionsEnded = await deps.sessions.endAllForUser(user.id);
  deps.logger.info({ user: user.id, sessionsEnded }, "second factors reset");
  return { factors: factors.map((f) => f.name), sessionsEnded };
}

/** `POST /admin/api/users/{user}/reset-mfa`. */
export function resetAdminApi(
  deps: ResetDeps & { durable: DurableStore },
  factors: () => readonly SecondFactor[],
): AdminApiPart {
  return {
    routes: [
      {
        method: "POST",
        path: "/users/:user/reset-mfa",
        doc: {
          operation: "resetUserSecondFactors",
          summary: "Remove a user's second factors and end their sessions",
          description:
            "Every one-time-code app, passkey and recovery code of the user is removed and every session ends (for a person who lost their phone or keys).",
          response: {
            description: "What was reset",
            schema: object({
              user: string("the user's id"),
              factors: { ...strings, description: "the kinds of factor reset" },
              sessions_ended: integer("how many sessions ended"),
            }),
          },
        },
        act: async (params) => {
          const user = await findUser(deps, params.user ?? "");
          if (!user) throw new NotFound(`no user ${params.user}`);
          const done = await resetSecondFactors(deps, factors(), user);
          return { user: user.id, factors: done.factors, sessions_ended: done.sessionsEnded };
        },
      },
    ],
  };
}
