import type { Kysely, Selectable } from "kysely";
import { int, json } from "./codec.js";
import type { Database } from "./schema.js";
import type { GrantRecord, GrantRepository } from "./types.js";

function toRecord(row: Selectable<Database["grants"]>): GrantRecord {
  return {
    userId: row.user_id,
    clientId: row.client_id,
    scopes: json.list(row.scopes),
    createdAt: int.read(row.created_at),
    updatedAt: int.read(row.updated_at),
  };
}

export function grantRepository(db: Kysely<Database>): GrantRepository {
  return {
    async upsert(g) {
      await db
        .insertInto("grants")
        .values({
          user_id: g.userId,
          client_id: g.clientId,
          scopes: json.text(g.scopes),
          created_at: g.createdAt,
          updated_at: g.updatedAt,
        })
        .onConflict((oc) =>
          oc
            .columns(["user_id", "client_id"])
            .doUpdateSet({ scopes: json.text(g.scopes), updated_at: g.updatedAt }),
        )
        .execute();
    },
    async get(userId, clientId) {
      const row = await db
        .selectFrom("grants")
        .selectAll()
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async listByUser(userId) {
      const rows = await db
        .selectFrom("grants")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .execute();
      return rows.map(toRecord);
    },
    async delete(userId, clientId) {
      const result = await db
        .deleteFrom("grants")
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteAllOfUser(userId) {
      const result = await db.deleteFrom("grants").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
