import { rmSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { ColumnTypes } from "../../src/storage/durable/migrations/column-types.js";
import { migrationProvider } from "../../src/storage/durable/migrations/index.js";
import { openPostgresStore } from "../../src/storage/durable/postgres.js";
import { openSqliteStore } from "../../src/storage/durable/sqlite.js";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { tempDir } from "../helpers/server.js";
import { createTestDatabase } from "./helpers/postgres.js";

/** A database at 001-initial holding one client, as stores made before secret rotation have. */
async function atInitialWithClient(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(types) });
  const { error } = await migrator.migrateTo("001-initial");
  if (error) throw error;
  await (db as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto("clients")
    .values({
      id: "old-client",
      name: "Old",
      secret_hash: "ab".repeat(32),
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: "[]",
      post_logout_redirect_uris: "[]",
      grant_types: '["client_credentials"]',
      scopes: "[]",
      first_party: 0,
      disabled: 0,
      created_at: 4_102_444_800,
    })
    .execute();
  await db.destroy();
}

async function expectUpgraded(store: DurableStore): Promise<void> {
  try {
    expect(await store.clients.get("old-client")).toMatchObject({
      secretHash: "ab".repeat(32),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
    });
    expect(await store.clients.rotateSecret("old-client", "cd".repeat(32), 4_102_444_900)).toBe(true);
    expect(await store.clients.get("old-client")).toMatchObject({
      secretHash: "cd".repeat(32),
      previousSecretHash: "ab".repeat(32),
      previousSecretExpiresAt: 4_102_444_900,
    });
  } finally {
    await store.close();
  }
}

describe("migration 002-client-secret-rotation upgrades a store made before it, keeping its clients", () => {
  const dir = tempDir("frontdesk-migration-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("SQLite", async () => {
    const file = join(dir, "frontdesk.db");
    await atInitialWithClient(new Kysely({ dialect: new SqliteDialect({ database: new SQLite(file) }) }), {
      int64: "integer",
    });
    await expectUpgraded(await openSqliteStore(file));
  });

  it("PostgreSQL", async () => {
    const db = await createTestDatabase();
    try {
      await atInitialWithClient(
        new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url() }) }) }),
        { int64: "bigint" },
      );
      await expectUpgraded(await openPostgresStore({ url: db.url(), poolSize: 2 }));
    } finally {
      await db.drop();
    }
  });
});
