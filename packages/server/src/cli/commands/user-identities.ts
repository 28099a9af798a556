import type { Command } from "commander";
import { describeIdentity, removeIdentity } from "../../features/upstream/operator.js";
import { findUser } from "../../users/users.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";
import { upstreamOf } from "./upstream.js";

const when = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** `frontdesk user identities USER` and `frontdesk user identity remove USER IDENTITY_ID [--force]`. */
export function registerUserIdentityCommands(user: Command): void {
  withGlobals(
    user
      .command("identities")
      .argument("<user>", "id or username")
      .description("list the upstream identities linked to a user (Continue with …)"),
  ).action((name: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const found = await findUser(ctx, name);
      if (!found) throw new CliError(`no user ${name}`);
      const identities = (await upstreamOf(ctx).identities.listByUser(found.id)).map(describeIdentity);
      out.result(
        { user: found.id, identities },
        () =>
          identities
            .map((i) =>
              [
                i.id,
                i.provider,
                i.issuer,
                i.subject,
                i.email ?? "-",
                `created ${when(i.created_at)}`,
                `last used ${when(i.last_used_at)}`,
              ].join("  "),
            )
            .join("\n") || `(${found.username} has no linked identities)`,
      );
    }),
  );
  const identity = user.command("identity").description("one of a user's linked upstream identities");
  withGlobals(
    identity
      .command("remove")
      .argument("<user>", "id or username")
      .argument("<identity>", "the identity's id (from `frontdesk user identities`)")
      .description("unlink an identity (refused for the user's only way to sign in, unless --force)"),
  )
    .option(
      "--force",
      "remove it even when it is the user's only way to sign in (they then need a password reset to get in)",
    )
    .action((name: string, identityId: string, o: GlobalOptions & { force?: boolean }) =>
      withContext(o, async (ctx, out) => {
        const found = await findUser(ctx, name);
        if (!found) throw new CliError(`no user ${name}`);
        const { identities } = upstreamOf(ctx);
        const removal = await removeIdentity({ identities, logger: ctx.logger }, found, identityId, {
          force: o.force,
        });
        if (removal.kind === "unknown")
          throw new CliError(`${found.username} has no linked identity ${identityId}`);
        if (removal.kind === "last")
          throw new CliError(
            `${removal.identity.providerId} is ${found.username}'s only way to sign in (no password, no other identity): give --force to remove it anyway`,
          );
        out.result(
          { deleted: removal.identity.id, user: found.id },
          () => `unlinked ${removal.identity.providerId} (${removal.identity.id}) from ${found.username}`,
        );
      }),
    );
}
