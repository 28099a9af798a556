import type { Command } from "commander";
import {
  DEFAULT_INITIAL_ACCESS_TOKEN_TTL,
  issueInitialAccessToken,
} from "../../features/dynamic-registration/initial-access-tokens.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

/** `frontdesk client initial-access-token`: a token for POST /register (RFC 7591 3), shown once. */
export function registerInitialAccessTokenCommand(client: Command): void {
  withGlobals(
    client
      .command("initial-access-token")
      .description(
        "issue a token that lets a client register itself at /register (multi-use until it expires, unless --single-use)",
      ),
  )
    .option("--expires-in <seconds>", "lifetime in seconds", String(DEFAULT_INITIAL_ACCESS_TOKEN_TTL))
    .option("--single-use", "spent by the first successful registration")
    .action((o: GlobalOptions & { expiresIn: string; singleUse?: boolean }) =>
      withContext(o, async (ctx, out) => {
        if (!/^[1-9]\d*$/.test(o.expiresIn))
          throw new CliError("--expires-in: a whole number of seconds, more than 0");
        const { token, expiresAt } = await issueInitialAccessToken(ctx.durable, {
          expiresIn: Number(o.expiresIn),
          singleUse: o.singleUse,
        });
        out.result(
          { initial_access_token: token, expires_at: expiresAt, single_use: Boolean(o.singleUse) },
          () =>
            [
              `initial_access_token: ${token}`,
              `expires:              ${new Date(expiresAt * 1000).toISOString()}`,
              o.singleUse ? "(single use: spent by the first registration)" : "(usable until it expires)",
              "(the token is shown only now: store it safely)",
            ].join("\n"),
        );
      }),
    );
}
