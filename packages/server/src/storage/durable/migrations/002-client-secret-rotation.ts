import type { Kysely } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * A client's previous secret, still accepted until its expiry after a rotation
 * (`frontdesk client rotate-secret --grace`). Shared by SQLite and PostgreSQL.
 */
export function clientSecretRotation(types: ColumnTypes) {
  const { int64 } = types;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds a single column.
      await db.schema.alterTable("clients").addColumn("previous_secret_hash", "text").execute();
      await db.schema.alterTable("clients").addColumn("previous_secret_expires_at", int64).execute();
    },
  };
}
