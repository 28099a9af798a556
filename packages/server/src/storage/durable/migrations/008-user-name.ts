import type { Kysely } from "kysely";

/**
 * A person's display name (the OpenID Connect `name` claim), null when unknown: users
 * imported from another system bring one. Shared by SQLite and PostgreSQL.
 */
export function userName() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("users").addColumn("name", "text").execute();
    },
  };
}
