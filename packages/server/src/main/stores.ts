import { join } from "node:path";
import type { Config } from "../config/schema.js";
import type { ExtraMigrations } from "../storage/durable/migrations/index.js";
import { migrateSqlite, openSqliteStore } from "../storage/durable/sqlite.js";
import type { DurableStore } from "../storage/durable/types.js";
import { sqliteFastStore } from "../storage/fast/sqlite.js";
import type { FastStore } from "../storage/fast/types.js";
import { FEATURES } from "./features.js";

/** Opens the durable store the configuration selects (PostgreSQL, or SQLite in the data directory). */
/** Every feature's migrations, enabled or not: switching a feature on later needs no migration step. */
export function featureMigrations(): ExtraMigrations {
  return Object.assign({}, ...FEATURES.map((f) => f.migrations ?? {}));
}

export async function openDurableStore(config: Config): Promise<DurableStore> {
  if (config.databaseUrl) {
    // Loaded only when configured: the PostgreSQL and Redis drivers cost start-up time and memory.
    const { openPostgresStore } = await import("../storage/durable/postgres.js");
    return openPostgresStore({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      migrations: featureMigrations(),
    });
  }
  return openSqliteStore(join(config.dataDir, "frontdesk.db"), featureMigrations());
}

/** Runs pending migrations of the configured durable store; returns the ones this call ran. */
export async function migrateDurableStore(
  config: Config,
): Promise<{ kind: DurableStore["kind"]; ran: string[] }> {
  if (config.databaseUrl) {
    const { migratePostgres } = await import("../storage/durable/postgres.js");
    return { kind: "postgres", ran: await migratePostgres(config.databaseUrl, featureMigrations()) };
  }
  return {
    kind: "sqlite",
    ran: await migrateSqlite(join(config.dataDir, "frontdesk.db"), featureMigrations()),
  };
}

/** Opens the fast store the configuration selects (Redis, or SQLite in the data directory). */
export async function openFastStore(config: Config): Promise<FastStore> {
  if (config.redisUrl) {
    const { redisFastStore } = await import("../storage/fast/redis.js");
    const store = redisFastStore({
      url: config.redisUrl,
      prefix: config.redisPrefix,
      cluster: config.redisCluster,
    });
    // Refuse to start against a Redis that is not there: a wrong URL shows up at once.
    try {
      await store.ping();
    } catch (error) {
      await store.close();
      throw new Error(`redisUrl: Redis did not answer (${describe(error)})`, { cause: error });
    }
    return store;
  }
  return sqliteFastStore(join(config.dataDir, "fast.db"));
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
