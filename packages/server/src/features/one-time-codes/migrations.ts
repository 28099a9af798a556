import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "../../storage/durable/migrations/column-types.js";

/**
 * A person's authenticator app (RFC 6238): one per user. `secret` is a JWE sealed with
 * a key derived from the key-encryption secret, never stored in the clear.
 */
function credentials(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("one_time_code_credentials")
        .addColumn("user_id", "text", (c) => c.primaryKey())
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .addColumn("last_used_at", types.int64)
        .execute();
    },
  };
}

/** Single-use recovery codes, by their SHA-256 (the codes are random, shown once). */
function recoveryCodes(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("recovery_codes")
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .addPrimaryKeyConstraint("recovery_codes_key", ["user_id", "hash"])
        .execute();
    },
  };
}

/** The feature's migrations, named `oneTimeCodes-NNN-<what>`. */
export const oneTimeCodeMigrations = {
  "oneTimeCodes-001-credentials": credentials,
  "oneTimeCodes-002-recovery-codes": recoveryCodes,
};
