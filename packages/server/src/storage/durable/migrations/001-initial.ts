import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/** Initial schema. Shared by SQLite and PostgreSQL; only integer width differs. */
export function initial(types: ColumnTypes) {
  const { int64 } = types;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("clients")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("secret_hash", "text")
        .addColumn("token_endpoint_auth_method", "text", (c) => c.notNull())
        .addColumn("redirect_uris", "text", (c) => c.notNull())
        .addColumn("post_logout_redirect_uris", "text", (c) => c.notNull())
        .addColumn("grant_types", "text", (c) => c.notNull())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("first_party", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("signing_keys")
        .addColumn("kid", "text", (c) => c.primaryKey())
        .addColumn("alg", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("private_jwe", "text", (c) => c.notNull())
        .addColumn("created_at", int64, (c) => c.notNull())
        .addColumn("activated_at", int64)
        .addColumn("retired_at", int64)
        .execute();
      // At most one active and one next key, even when processes start or rotate at once.
      for (const state of ["active", "next"]) {
        await db.schema
          .createIndex(`signing_keys_one_${state}`)
          .on("signing_keys")
          .column("state")
          .unique()
          .where(sql.ref("state"), "=", state)
          .execute();
      }
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("username", "text", (c) => c.notNull().unique())
        .addColumn("email", "text")
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("tokens_revoked_before", int64)
        .addColumn("tenant", "text")
        .addColumn("roles", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("created_at", int64, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("grants")
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("created_at", int64, (c) => c.notNull())
        .addColumn("updated_at", int64, (c) => c.notNull())
        .addPrimaryKeyConstraint("grants_pk", ["user_id", "client_id"])
        .execute();
      await db.schema
        .createTable("refresh_families")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("created_at", int64, (c) => c.notNull())
        .addColumn("expires_at", int64, (c) => c.notNull())
        .addColumn("revoked_at", int64)
        .execute();
      await db.schema.createIndex("refresh_families_user").on("refresh_families").column("user_id").execute();
      await db.schema
        .createIndex("refresh_families_client")
        .on("refresh_families")
        .column("client_id")
        .execute();
      await db.schema
        .createTable("refresh_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("family_id", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("sid", "text")
        .addColumn("auth_time", int64, (c) => c.notNull())
        .addColumn("acr", "text")
        .addColumn("amr", "text", (c) => c.notNull())
        .addColumn("issued_at", int64, (c) => c.notNull())
        .addColumn("expires_at", int64, (c) => c.notNull())
        .addColumn("rotated_at", int64)
        .execute();
      await db.schema.createIndex("refresh_tokens_family").on("refresh_tokens").column("family_id").execute();
      await db.schema.createIndex("refresh_tokens_sid").on("refresh_tokens").column("sid").execute();
    },
  };
}
