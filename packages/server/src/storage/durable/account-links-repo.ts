import type { Kysely, Selectable } from "kysely";
import { int } from "./codec.js";
import type { Database } from "./schema.js";
import type { AccountLinkPurpose, AccountLinkRecord, AccountLinkRepository } from "./types.js";

type Row = Selectable<Database["account_links"]>;

function toRecord(row: Row): AccountLinkRecord {
  return {
    purpose: row.purpose as AccountLinkPurpose,
    userId: row.user_id,
    email: row.email,
    bindTo: row.bind_to,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: int.read(row.created_at),
    expiresAt: int.read(row.expires_at),
  };
}

export function accountLinkRepository(db: Kysely<Database>): AccountLinkRepository {
  return {
    async insert(tokenHash, link) {
      await db
        .insertInto("account_links")
        .values({
          token_hash: tokenHash,
          purpose: link.purpose,
          user_id: link.userId,
          email: link.email,
          bind_to: link.bindTo,
          data: JSON.stringify(link.data),
          created_at: link.createdAt,
          expires_at: link.expiresAt,
        })
        .execute();
    },
    async find(tokenHash, purpose, now) {
      const row = await db
        .selectFrom("account_links")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .where("purpose", "=", purpose)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async consume(tokenHash, purpose, now) {
      // One DELETE … RETURNING: the row goes to exactly one caller.
      const row = await db
        .deleteFrom("account_links")
        .where("token_hash", "=", tokenHash)
        .where("purpose", "=", purpose)
        .where("expires_at", ">", now)
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async deleteOf(purpose, userId) {
      const result = await db
        .deleteFrom("account_links")
        .where("purpose", "=", purpose)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom("account_links").where("expires_at", "<=", now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
