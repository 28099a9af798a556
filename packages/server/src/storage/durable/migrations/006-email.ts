import type { Kysely } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * Email: whether a user's address is verified, the outbox of messages still to
 * deliver (times in epoch milliseconds, bodies encrypted), and single-use emailed
 * links (verification, password reset, invitations) stored only as hashes.
 */
export function email(types: ColumnTypes) {
  const { int64 } = types;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("users")
        .addColumn("email_verified", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable("mail_outbox")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("recipient", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        // The text and HTML parts, sealed (they carry links, which are secrets).
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        // When a pending message may next be claimed: its retry time, or the end of a claim's lease.
        .addColumn("due_at", int64, (c) => c.notNull())
        .addColumn("claimed_by", "text")
        .addColumn("created_at", int64, (c) => c.notNull())
        .addColumn("last_error", "text")
        .execute();
      await db.schema
        .createIndex("mail_outbox_due")
        .on("mail_outbox")
        .columns(["status", "due_at"])
        .execute();
      await db.schema
        .createTable("account_links")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("user_id", "text")
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("bind_to", "text")
        .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
        .addColumn("created_at", int64, (c) => c.notNull())
        .addColumn("expires_at", int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("account_links_user")
        .on("account_links")
        .columns(["purpose", "user_id"])
        .execute();
      await db.schema.createIndex("account_links_expiry").on("account_links").column("expires_at").execute();
    },
  };
}
