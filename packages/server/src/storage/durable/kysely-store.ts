import { type Kysely, Migrator, sql } from "kysely";
import { accountLinkRepository } from "./account-links-repo.js";
import { clientRepository } from "./clients-repo.js";
import { grantRepository } from "./grants-repo.js";
import { signingKeyRepository } from "./keys-repo.js";
import { mailOutboxRepository } from "./mail-outbox-repo.js";
import type { ColumnTypes } from "./migrations/column-types.js";
import { type ExtraMigrations, migrationProvider } from "./migrations/index.js";
import { refreshTokenRepository } from "./refresh-repo.js";
import type { Database } from "./schema.js";
import type { DurableStore } from "./types.js";
import { userRepository } from "./users-repo.js";

/** Brings the schema up to date. Kysely's migrator takes a lock, so concurrent starts are safe. */
export async function migrate(
  db: Kysely<Database>,
  types: ColumnTypes,
  extra: ExtraMigrations = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(types, extra),
    // A core migration added after a feature's has run still runs (feature names sort after digits).
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** A durable store over any Kysely dialect with the shared schema. */
export function kyselyStore(db: Kysely<Database>, kind: DurableStore["kind"]): DurableStore {
  return {
    kind,
    clients: clientRepository(db),
    keys: signingKeyRepository(db),
    users: userRepository(db),
    grants: grantRepository(db),
    refreshTokens: refreshTokenRepository(db),
    mailOutbox: mailOutboxRepository(db),
    accountLinks: accountLinkRepository(db),
    featureTables: <Tables>() => db as unknown as Kysely<Tables>,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
