import type { Kysely, Selectable } from "kysely";
import { int, json } from "./codec.js";
import type { Database } from "./schema.js";
import type { RefreshFamilyRecord, RefreshTokenRecord, RefreshTokenRepository } from "./types.js";

function familyRecord(row: Selectable<Database["refresh_families"]>): RefreshFamilyRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    createdAt: int.read(row.created_at),
    expiresAt: int.read(row.expires_at),
    revokedAt: int.readNullable(row.revoked_at),
    dpopJkt: row.dpop_jkt,
  };
}

function tokenRecord(row: Selectable<Database["refresh_tokens"]>): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    familyId: row.family_id,
    clientId: row.client_id,
    userId: row.user_id,
    scopes: json.list(row.scopes),
    sid: row.sid,
    authTime: int.read(row.auth_time),
    acr: row.acr,
    amr: json.list(row.amr),
    idp: row.idp,
    issuedAt: int.read(row.issued_at),
    expiresAt: int.read(row.expires_at),
    rotatedAt: int.readNullable(row.rotated_at),
  };
}

function tokenRow(t: RefreshTokenRecord): Selectable<Database["refresh_tokens"]> {
  return {
    token_hash: t.tokenHash,
    family_id: t.familyId,
    client_id: t.clientId,
    user_id: t.userId,
    scopes: json.text(t.scopes),
    sid: t.sid,
    auth_time: t.authTime,
    acr: t.acr,
    amr: json.text(t.amr),
    idp: t.idp,
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    rotated_at: t.rotatedAt,
  };
}

export function refreshTokenRepository(db: Kysely<Database>): RefreshTokenRepository {
  return {
    async createFamily(f) {
      await db
        .insertInto("refresh_families")
        .values({
          id: f.id,
          client_id: f.clientId,
          user_id: f.userId,
          created_at: f.createdAt,
          expires_at: f.expiresAt,
          revoked_at: f.revokedAt,
          dpop_jkt: f.dpopJkt,
        })
        .execute();
    },
    async getFamily(id) {
      const row = await db.selectFrom("refresh_families").selectAll().where("id", "=", id).executeTakeFirst();
      return row && familyRecord(row);
    },
    async insert(token) {
      await db.insertInto("refresh_tokens").values(tokenRow(token)).execute();
    },
    async get(tokenHash) {
      const row = await db
        .selectFrom("refresh_tokens")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row && tokenRecord(row);
    },
    async rotate(tokenHash, at, successor) {
      return db.transaction().execute(async (tx) => {
        const result = await tx
          .updateTable("refresh_tokens")
          .set({ rotated_at: at })
          .where("token_hash", "=", tokenHash)
          .where("rotated_at", "is", null)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom("refresh_families")
                .select("refresh_families.id")
                .whereRef("refresh_families.id", "=", "refresh_tokens.family_id")
                .where("refresh_families.revoked_at", "is", null),
            ),
          )
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await tx.insertInto("refresh_tokens").values(tokenRow(successor)).execute();
        return true;
      });
    },
    async revokeFamily(familyId, at) {
      const result = await db
        .updateTable("refresh_families")
        .set({ revoked_at: at })
        .where("id", "=", familyId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async revokeFamiliesOf(filter, at) {
      let query = db.selectFrom("refresh_families").select("id").where("revoked_at", "is", null);
      if (filter.userId) query = query.where("user_id", "=", filter.userId);
      if (filter.clientId) query = query.where("client_id", "=", filter.clientId);
      if (filter.sid) {
        const sid = filter.sid;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom("refresh_tokens")
              .select("refresh_tokens.token_hash")
              .whereRef("refresh_tokens.family_id", "=", "refresh_families.id")
              .where("refresh_tokens.sid", "=", sid),
          ),
        );
      }
      const ids = (await query.execute()).map((r) => r.id);
      const revoked: string[] = [];
      for (const id of ids) if (await this.revokeFamily(id, at)) revoked.push(id);
      return revoked;
    },
    async listActiveFamiliesOfUser(userId, now) {
      const rows = await db
        .selectFrom("refresh_families")
        .selectAll()
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .orderBy("created_at")
        .execute();
      return rows.map(familyRecord);
    },
    async deleteAllOfUser(userId) {
      return db.transaction().execute(async (tx) => {
        await tx.deleteFrom("refresh_tokens").where("user_id", "=", userId).execute();
        const result = await tx
          .deleteFrom("refresh_families")
          .where("user_id", "=", userId)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
