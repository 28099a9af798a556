import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { kyselyStore, migrate } from "./kysely-store.js";
import type { ExtraMigrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import type { DurableStore } from "./types.js";

function connect(file: string): Kysely<Database> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets the CLI and a running server share the file; busy_timeout waits out a writer.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** Opens (creating and migrating) the SQLite durable store. `:memory:` for tests. */
export async function openSqliteStore(file: string, extra: ExtraMigrations = {}): Promise<DurableStore> {
  const db = connect(file);
  try {
    await migrate(db, { int64: "integer" }, extra);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return kyselyStore(db, "sqlite");
}

/** Brings a SQLite file up to date; returns the migrations this call ran. */
export async function migrateSqlite(file: string, extra: ExtraMigrations = {}): Promise<string[]> {
  const db = connect(file);
  try {
    return await migrate(db, { int64: "integer" }, extra);
  } finally {
    await db.destroy();
  }
}
