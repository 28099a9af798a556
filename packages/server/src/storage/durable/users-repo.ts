import { type Kysely, type Selectable, sql, type Updateable } from "kysely";
import { bool, int, json } from "./codec.js";
import type { Database } from "./schema.js";
import type { UserRecord, UserRepository } from "./types.js";

type Row = Selectable<Database["users"]>;

function toRecord(row: Row): UserRecord {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    emailVerified: bool.read(row.email_verified),
    // The column predates password-less users: "" stores "no password".
    passwordHash: row.password_hash === "" ? null : row.password_hash,
    disabled: bool.read(row.disabled),
    tokensRevokedBefore: int.readNullable(row.tokens_revoked_before),
    tenant: row.tenant,
    roles: json.list(row.roles),
    createdAt: int.read(row.created_at),
  };
}

export function userRepository(db: Kysely<Database>): UserRepository {
  return {
    async create(u) {
      await db
        .insertInto("users")
        .values({
          id: u.id,
          username: u.username,
          name: u.name,
          email: u.email,
          email_verified: bool.write(u.emailVerified),
          password_hash: u.passwordHash ?? "",
          disabled: bool.write(u.disabled),
          tokens_revoked_before: u.tokensRevokedBefore,
          tenant: u.tenant,
          roles: json.text(u.roles),
          created_at: u.createdAt,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRecord(row);
    },
    async getByUsername(username) {
      const row = await db
        .selectFrom("users")
        .selectAll()
        .where("username", "=", username)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async findByEmail(email) {
      // lower() on both sides, served by the index of migration 007.
      const rows = await db
        .selectFrom("users")
        .selectAll()
        .where(sql<string>`lower(email)`, "=", email.toLowerCase())
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toRecord);
    },
    async list() {
      const rows = await db.selectFrom("users").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(toRecord);
    },
    async update(id, changes) {
      const set: Updateable<Database["users"]> = {};
      if (changes.disabled !== undefined) set.disabled = bool.write(changes.disabled);
      if (changes.tokensRevokedBefore !== undefined) set.tokens_revoked_before = changes.tokensRevokedBefore;
      if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash ?? "";
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.email !== undefined) set.email = changes.email;
      if (changes.emailVerified !== undefined) set.email_verified = bool.write(changes.emailVerified);
      if (changes.tenant !== undefined) set.tenant = changes.tenant;
      if (changes.roles !== undefined) set.roles = json.text(changes.roles);
      if (Object.keys(set).length === 0) return (await this.get(id)) !== undefined;
      const result = await db.updateTable("users").set(set).where("id", "=", id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async replacePasswordHash(id, expected, next) {
      const result = await db
        .updateTable("users")
        .set({ password_hash: next })
        .where("id", "=", id)
        .where("password_hash", "=", expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(id) {
      const result = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
