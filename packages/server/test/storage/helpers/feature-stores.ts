import { afterAll } from "vitest";
import { featureMigrations } from "../../../src/main/stores.js";
import { openPostgresStore } from "../../../src/storage/durable/postgres.js";
import { openSqliteStore } from "../../../src/storage/durable/sqlite.js";
import type { DurableStore } from "../../../src/storage/durable/types.js";
import { createTestDatabase } from "./postgres.js";

/**
 * Both durable back ends with every feature's migrations, for a feature's repository
 * tests (`describe.each`): SQLite in memory, and a fresh PostgreSQL database dropped
 * after the file.
 */
export function featureStoreBackends(): [string, () => Promise<DurableStore>][] {
  const dbs: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });
  return [
    ["SQLite", () => openSqliteStore(":memory:", featureMigrations())],
    [
      "PostgreSQL",
      async () => {
        const db = await createTestDatabase();
        dbs.push(db);
        return openPostgresStore({ url: db.url(), poolSize: 4, migrations: featureMigrations() });
      },
    ],
  ];
}
