import type { Command } from "commander";
import {
  DEFAULT_SECRET_GRACE,
  deleteClient,
  describeClient,
  InvalidClientMetadata,
  rotateClientSecret,
  updateClient,
} from "../../clients/registration.js";
import { registrationOfferFor } from "../../main/services.js";
import { CliError } from "../output.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";
import { registerClientCreateCommand } from "./client-create.js";
import { registerInitialAccessTokenCommand } from "./initial-access-token.js";

interface UpdateOptions extends GlobalOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  grantTypes?: string;
  scopes?: string;
  firstParty?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const grantTypeList = (list: string) =>
  list
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);

/** The readable form of a client description. */
function clientText(c: ReturnType<typeof describeClient>): string {
  return [
    `client_id:     ${c.client_id}`,
    `name:          ${c.name}`,
    `grant_types:   ${c.grant_types.join(",")}`,
    `scopes:        ${c.scopes.join(" ") || "-"}`,
    `redirect_uris: ${c.redirect_uris.join(" ") || "-"}`,
    `post_logout:   ${c.post_logout_redirect_uris.join(" ") || "-"}`,
    `first_party:   ${c.first_party}`,
  ].join("\n");
}

/** `frontdesk client create|list|update|rotate-secret|delete`. */
export function registerClientCommands(program: Command): void {
  const client = program.command("client").description("OAuth clients");
  registerClientCreateCommand(client);
  registerInitialAccessTokenCommand(client);
  withGlobals(client.command("list").description("list clients")).action((o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const clients = (await ctx.durable.clients.list()).map(describeClient);
      out.result(
        { clients },
        () =>
          clients
            .map((c) => `${c.client_id}  ${c.name}  [${c.grant_types.join(",")}]  ${c.scopes.join(" ")}`)
            .join("\n") || "(no clients)",
      );
    }),
  );
  withGlobals(
    client
      .command("update")
      .argument("<id>")
      .description("change a client's metadata (same rules as create); a list given replaces the stored one"),
  )
    .option("--name <name>", "display name shown on the consent page")
    .option("--redirect-uri <uri>", "allowed redirect URI (repeatable; replaces the list)", collect)
    .option(
      "--post-logout-redirect-uri <uri>",
      "allowed post-logout redirect URI (repeatable; replaces the list)",
      collect,
    )
    .option(
      "--grant-types <list>",
      "comma-separated, among those the enabled features offer (grant_types_supported in discovery)",
    )
    .option("--scopes <scopes>", "space-separated scopes the client may request")
    .option("--first-party", "trusted first-party client: consent is skipped")
    .option("--no-first-party", "third-party client: consent is asked")
    .action((id: string, o: UpdateOptions) =>
      withContext(o, async (ctx, out) => {
        try {
          const updated = await updateClient(
            ctx,
            id,
            {
              name: o.name,
              redirectUris: o.redirectUri,
              postLogoutRedirectUris: o.postLogoutRedirectUri,
              grantTypes: o.grantTypes === undefined ? undefined : grantTypeList(o.grantTypes),
              scopes: o.scopes,
              firstParty: o.firstParty,
            },
            registrationOfferFor(ctx),
          );
          if (!updated) throw new CliError(`no client with id ${id}`);
          const described = describeClient(updated);
          out.result(described, () => clientText(described));
        } catch (error) {
          if (error instanceof InvalidClientMetadata) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(
    client
      .command("rotate-secret")
      .argument("<id>")
      .description("issue a new secret (shown once); the old one keeps working for the grace period"),
  )
    .option(
      "--grace <seconds>",
      "how long the old secret keeps working (0: it stops at once)",
      String(DEFAULT_SECRET_GRACE),
    )
    .action((id: string, o: GlobalOptions & { grace: string }) =>
      withContext(o, async (ctx, out) => {
        if (!/^\d+$/.test(o.grace)) throw new CliError("--grace: a whole number of seconds, 0 or more");
        try {
          const rotated = await rotateClientSecret(ctx, id, { graceSeconds: Number(o.grace) });
          if (!rotated) throw new CliError(`no client with id ${id}`);
          const until = rotated.client.previousSecretExpiresAt;
          out.result(
            { client_id: id, client_secret: rotated.secret, previous_secret_expires_at: until },
            () =>
              [
                `client_id:     ${id}`,
                `client_secret: ${rotated.secret}`,
                "(the secret is shown only now: store it safely)",
                until === null
                  ? "the previous secret no longer works"
                  : `the previous secret works until ${new Date(until * 1000).toISOString()}`,
              ].join("\n"),
          );
        } catch (error) {
          if (error instanceof InvalidClientMetadata) throw new CliError(error.message);
          throw error;
        }
      }),
    );
  withGlobals(
    client.command("delete").argument("<id>").description("delete a client and revoke its tokens"),
  ).action((id: string, o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      if (!(await deleteClient(ctx, id))) throw new CliError(`no client with id ${id}`);
      out.result({ deleted: id }, () => `deleted ${id}`);
    }),
  );
}
