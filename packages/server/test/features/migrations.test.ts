import { join } from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { ExtraMigrations } from "../../src/storage/durable/migrations/index.js";
import { migratePostgres } from "../../src/storage/durable/postgres.js";
import { migrateSqlite, openSqliteStore } from "../../src/storage/durable/sqlite.js";
import { tempDir } from "../helpers/server.js";
import { CORE_MIGRATIONS } from "../storage/helpers/core-migrations.js";
import { createTestDatabase } from "../storage/helpers/postgres.js";

// What a feature declares in `migrations`: its own table, named after the feature.
const widgets: ExtraMigrations = {
  "widgets-001-create": (types) => ({
    async up(db) {
      await db.schema
        .createTable("widget")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("created_at", types.int64, (c) => c.notNull())
        .execute();
    },
  }),
};

describe("feature migrations run after the core's, on every back end", () => {
  const dbs: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it("SQLite: creates the feature's table once, alongside the core schema", async () => {
    const file = join(tempDir(), "frontdesk.db");
    expect(await migrateSqlite(file, widgets)).toEqual([...CORE_MIGRATIONS, "widgets-001-create"]);
    expect(await migrateSqlite(file, widgets)).toEqual([]);
    const store = await openSqliteStore(file, widgets);
    await store.close();
    const sqlite = new SQLite(file, { readonly: true });
    const tables = sqlite
      .prepare("select name from sqlite_master where type = 'table' and name in ('widget', 'users')")
      .all();
    sqlite.close();
    expect(tables).toHaveLength(2);
  });

  it("PostgreSQL: the same", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    expect(await migratePostgres(db.url(), widgets)).toEqual([...CORE_MIGRATIONS, "widgets-001-create"]);
    expect(await migratePostgres(db.url(), widgets)).toEqual([]);
    const client = new pg.Client({ connectionString: db.url() });
    await client.connect();
    try {
      const { rows } = await client.query("select to_regclass('public.widget') as t");
      expect(rows[0]?.t).toBe("widget");
    } finally {
      await client.end();
    }
  });

  it("refuses a feature migration named like a core one (it would sort among them)", async () => {
    const file = join(tempDir(), "frontdesk.db");
    await expect(
      migrateSqlite(file, { "002-widgets": widgets["widgets-001-create"] as ExtraMigrations[string] }),
    ).rejects.toThrow(/feature-prefixed/);
  });
});
