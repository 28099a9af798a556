import type { Command } from "commander";
import { resetSecondFactors } from "../../features/second-factor/reset.js";
import { featuresBuiltFor } from "../../main/services.js";
import { findUser } from "../../users/users.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

/** `frontdesk user reset-mfa USER`: the administrator's reset for a lost phone or lost passkeys. */
export function registerUserMfaCommands(user: Command): void {
  withGlobals(
    user
      .command("reset-mfa")
      .argument("<user>", "id or username")
      .description(
        "remove every second factor of a user (one-time-code app, passkeys, recovery codes) and end their sessions",
      ),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      const factors = (featuresBuiltFor(ctx) ?? []).flatMap((b) => b.parts.secondFactors ?? []);
      const done = await resetSecondFactors(ctx, factors, found);
      out.result(
        { user: found.id, factors: done.factors, sessions_ended: done.sessionsEnded },
        () =>
          `reset the second factors of ${found.username} (${done.factors.join(", ") || "none enabled"}); ${done.sessionsEnded} session(s) ended`,
      );
    }),
  );
}
