import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { kyselyStore, migrate } from "./kysely-store.js";
import type { Database } from "./schema.js";
import type { DurableStore } from "./types.js";

// BIGINT (int8) columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (value) => Number(value));

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Run migrations (under Kysely's migration lock) before returning. */
  migrate?: boolean;
}

/** Opens the PostgreSQL durable store with a bounded connection pool. */
export async function openPostgresStore(options: PostgresOptions): Promise<DurableStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 10_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate !== false) await migrate(db, { int64: "bigint" });
  return kyselyStore(db, "postgres");
}
