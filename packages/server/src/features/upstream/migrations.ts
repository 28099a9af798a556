import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "../../storage/durable/migrations/column-types.js";

/**
 * Upstream identity providers. `settings` is JSON (endpoints, claim mapping, domains,
 * scopes); `secret` is a JWE sealed with a key derived from the key-encryption secret
 * (the client secret, or Apple's private key), never stored in the clear.
 */
function providers(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("upstream_providers")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("secret", "text")
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * A person's linked identities: keyed by (provider, upstream issuer, upstream subject),
 * never by email. `id` addresses one for removal.
 */
function identities(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("upstream_identities")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("provider_id", "text", (c) => c.notNull())
        .addColumn("issuer", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("email", "text")
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .addColumn("last_used_at", types.int64, (c) => c.notNull())
        .addUniqueConstraint("upstream_identities_key", ["provider_id", "issuer", "subject"])
        .execute();
      await db.schema
        .createIndex("upstream_identities_user")
        .on("upstream_identities")
        .column("user_id")
        .execute();
    },
  };
}

/** The feature's migrations, named `upstream-NNN-<what>`. */
export const upstreamMigrations = {
  "upstream-001-providers": providers,
  "upstream-002-identities": identities,
};
