import type { Migration, MigrationProvider } from "kysely";
import { initial } from "./001-initial.js";
import { clientSecretRotation } from "./002-client-secret-rotation.js";
import { keySetsPerAlgorithm } from "./003-key-sets-per-algorithm.js";
import { clientMetadata } from "./004-client-metadata.js";
import { refreshFamilyDpopKey } from "./005-refresh-family-dpop-key.js";
import { email } from "./006-email.js";
import { usersEmailIndex } from "./007-users-email-index.js";
import { userName } from "./008-user-name.js";
import { refreshIdp } from "./009-refresh-idp.js";
import type { ColumnTypes } from "./column-types.js";

/** Migrations a feature adds for its own tables, by name (`<feature>-NNN-<what>`). */
export type ExtraMigrations = Readonly<Record<string, (types: ColumnTypes) => Migration>>;

/**
 * The one list of migrations for every SQL back end: the core's, then the features'.
 * Kysely runs them in name order; core names start with a digit, so they sort first.
 */
export function migrationProvider(types: ColumnTypes, extra: ExtraMigrations = {}): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const all: Record<string, Migration> = {
        "001-initial": initial(types),
        "002-client-secret-rotation": clientSecretRotation(types),
        "003-key-sets-per-algorithm": keySetsPerAlgorithm(),
        "004-client-metadata": clientMetadata(),
        "005-refresh-family-dpop-key": refreshFamilyDpopKey(),
        "006-email": email(types),
        "007-users-email-index": usersEmailIndex(),
        "008-user-name": userName(),
        "009-refresh-idp": refreshIdp(),
      };
      for (const [name, make] of Object.entries(extra)) {
        if (/^\d/.test(name) || all[name])
          throw new Error(`migration ${name}: name taken or not feature-prefixed`);
        all[name] = make(types);
      }
      return all;
    },
  };
}
