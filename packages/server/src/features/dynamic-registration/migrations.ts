import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "../../storage/durable/migrations/column-types.js";

/** Initial access tokens (RFC 7591 3): only their SHA-256 is stored. */
function initialAccessTokens(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("initial_access_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .addColumn("expires_at", types.int64, (c) => c.notNull())
        .addColumn("single_use", "integer", (c) => c.notNull())
        .addColumn("used_at", types.int64)
        .execute();
    },
  };
}

/** One registration access token per dynamically registered client (RFC 7592 3), hashed. */
function registrationAccessTokens(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("registration_access_tokens")
        .addColumn("client_id", "text", (c) => c.primaryKey())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .execute();
    },
  };
}

/** The feature's migrations, named `dynamicRegistration-NNN-<what>`. */
export const dynamicRegistrationMigrations = {
  "dynamicRegistration-001-initial-access-tokens": initialAccessTokens,
  "dynamicRegistration-002-registration-access-tokens": registrationAccessTokens,
};
