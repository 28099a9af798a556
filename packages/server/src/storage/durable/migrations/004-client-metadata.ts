import type { Kysely } from "kysely";

/**
 * Registration metadata beyond the core columns (RFC 7591 and OpenID Connect
 * Registration: keys, ID-token algorithm, PAR, DPoP, back-channel logout, display
 * URIs), as one JSON object: new fields need no migration.
 */
export function clientMetadata() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("clients")
        .addColumn("metadata", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
    },
  };
}
