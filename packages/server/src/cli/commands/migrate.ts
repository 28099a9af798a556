import type { Command } from "commander";
import { migrateDurableStore } from "../../main/stores.js";
import { isStoreUnavailable } from "../../storage/unavailable.js";
import { CliError, createOutput } from "../output.js";
import { configFrom, type GlobalOptions, withGlobals } from "../run.js";

/**
 * `frontdesk migrate`: brings the durable store's schema up to date. Servers also
 * migrate on start-up (under a lock, so concurrent starts are safe); this command
 * lets a deployment run migrations as a separate step first.
 */
export function registerMigrate(program: Command): void {
  withGlobals(
    program.command("migrate").description("run pending database migrations of the durable store"),
  ).action(async (o: GlobalOptions) => {
    const config = configFrom(o);
    const { kind, ran } = await migrateDurableStore(config).catch((error: unknown) => {
      if (isStoreUnavailable(error))
        throw new CliError(`cannot reach the database: ${(error as Error).message}`);
      throw error;
    });
    createOutput(Boolean(o.json)).result({ store: kind, ran }, () =>
      ran.length ? `${kind}: ran ${ran.join(", ")}` : `${kind}: already up to date`,
    );
  });
}
