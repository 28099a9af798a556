import type { Migration, MigrationProvider } from "kysely";
import { initial } from "./001-initial.js";
import type { ColumnTypes } from "./column-types.js";

/** The one list of migrations, in order, for every SQL back end. */
export function migrationProvider(types: ColumnTypes): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { "001-initial": initial(types) };
    },
  };
}
