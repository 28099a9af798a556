import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { kyselyStore, migrate } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { DurableStore } from "./types.js";

/** Opens (creating and migrating) the SQLite durable store. `:memory:` for tests. */
export async function openSqliteStore(file: string): Promise<DurableStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets the CLI and a running server share the file; busy_timeout waits out a writer.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, { int64: "integer" });
  return kyselyStore(db, "sqlite");
}
