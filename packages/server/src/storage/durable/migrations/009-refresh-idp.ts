import type { Kysely } from "kysely";

/**
 * The upstream provider a refresh token's sign-in went through (the ID token's `idp`
 * claim on refresh), null for a local sign-in. Shared by SQLite and PostgreSQL.
 */
export function refreshIdp() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("refresh_tokens").addColumn("idp", "text").execute();
    },
  };
}
