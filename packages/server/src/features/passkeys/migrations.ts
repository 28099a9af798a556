import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "../../storage/durable/migrations/column-types.js";

/**
 * A person's WebAuthn user handle: 32 random bytes (base64url), never the username,
 * so an authenticator's stored account says nothing about the person. A discoverable
 * passkey's assertion names it, and it resolves to the person.
 */
function userHandles(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("passkeys_user_handles")
        .addColumn("user_id", "text", (c) => c.primaryKey())
        .addColumn("handle", "text", (c) => c.notNull().unique())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Passkeys: the credential id (base64url) and its COSE public key, the signature
 * counter, transports (JSON list), backup eligibility and state (flags BE and BS),
 * the authenticator's AAGUID, the rpId it was made for, the person's name for it.
 */
function credentials(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("passkeys_credentials")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("public_key", "text", (c) => c.notNull())
        .addColumn("counter", types.int64, (c) => c.notNull())
        .addColumn("transports", "text", (c) => c.notNull())
        .addColumn("backup_eligible", "integer", (c) => c.notNull())
        .addColumn("backup_state", "integer", (c) => c.notNull())
        .addColumn("aaguid", "text", (c) => c.notNull())
        .addColumn("rp_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .addColumn("last_used_at", types.int64)
        .execute();
      await db.schema
        .createIndex("passkeys_credentials_user")
        .on("passkeys_credentials")
        .column("user_id")
        .execute();
    },
  };
}

/** The feature's migrations, named `passkeys-NNN-<what>`. */
export const passkeysMigrations = {
  "passkeys-001-user-handles": userHandles,
  "passkeys-002-credentials": credentials,
};
