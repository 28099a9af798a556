import type { Kysely } from "kysely";

/**
 * The DPoP key a public client's refresh-token family is bound to (RFC 9449 5): its
 * JWK thumbprint, null for an unbound family. Shared by SQLite and PostgreSQL.
 */
export function refreshFamilyDpopKey() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("refresh_families").addColumn("dpop_jkt", "text").execute();
    },
  };
}
