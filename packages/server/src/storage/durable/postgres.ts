import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { kyselyStore, migrate } from "./kysely-store.js";
import type { ExtraMigrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import type { DurableStore } from "./types.js";

// BIGINT (int8) columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (value) => Number(value));

export interface PostgresOptions {
  url: string;
  /** Connections per process; the database's max_connections must cover every instance. */
  poolSize: number;
  /** Run migrations (under Kysely's advisory lock) before returning. Default true. */
  migrate?: boolean;
  /** Features' migrations, run after the core's. */
  migrations?: ExtraMigrations;
}

function connect(url: string, poolSize: number): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    // Fail fast (503) when the database is unreachable instead of queueing requests.
    connectionTimeoutMillis: 3_000,
    statement_timeout: 10_000,
    keepAlive: true,
    application_name: "frontdesk",
  });
  // A connection lost while idle (pool "error") or while checked out (client "error", which
  // pg emits besides failing the query) must not crash the process: the query already
  // fails with an error isStoreUnavailable recognises, and the pool drops the client.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the PostgreSQL durable store with a bounded connection pool. */
export async function openPostgresStore(options: PostgresOptions): Promise<DurableStore> {
  const db = connect(options.url, options.poolSize);
  try {
    if (options.migrate !== false) await migrate(db, { int64: "bigint" }, options.migrations);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return kyselyStore(db, "postgres");
}

/** Brings a PostgreSQL database up to date; returns the migrations this call ran. */
export async function migratePostgres(url: string, extra: ExtraMigrations = {}): Promise<string[]> {
  const db = connect(url, 1);
  try {
    return await migrate(db, { int64: "bigint" }, extra);
  } finally {
    await db.destroy();
  }
}
