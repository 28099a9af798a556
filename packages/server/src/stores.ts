import { join } from "node:path";
import type { Config } from "./config/schema.js";
import { openPostgresStore } from "./storage/durable/postgres.js";
import { openSqliteStore } from "./storage/durable/sqlite.js";
import type { DurableStore } from "./storage/durable/types.js";
import { sqliteFastStore } from "./storage/fast/sqlite.js";
import type { FastStore } from "./storage/fast/types.js";

/** Opens the durable store the configuration selects (PostgreSQL, or SQLite in the data directory). */
export async function openDurableStore(config: Config): Promise<DurableStore> {
  if (config.databaseUrl)
    return openPostgresStore({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  return openSqliteStore(join(config.dataDir, "frontdesk.db"));
}

/** Opens the fast store the configuration selects (Redis, or SQLite in the data directory). */
export async function openFastStore(config: Config): Promise<FastStore> {
  if (config.redisUrl) {
    throw new Error("redisUrl: the Redis fast store is not available in this build yet");
  }
  return sqliteFastStore(join(config.dataDir, "fast.db"));
}
