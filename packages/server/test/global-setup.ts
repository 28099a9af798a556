import pg from "pg";
import { testRunId } from "./helpers/test-run.js";
import { PG_ADMIN_URL } from "./storage/helpers/postgres.js";
import { deletePrefix, REDIS_URL } from "./storage/helpers/redis.js";

/** Names this run; at the end removes the databases and keys its tests did not clean up, and says so. */
export default function setup(): () => Promise<void> {
  const run = testRunId();
  return async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    let dropped: string[] = [];
    try {
      await client.connect();
      const { rows } = await client.query<{ datname: string }>(
        "select datname from pg_database where datname like $1",
        [`frontdesk_test_${run}_%`],
      );
      dropped = rows.map((r) => r.datname);
      for (const name of dropped) await client.query(`drop database if exists ${name} with (force)`);
    } catch {
      // PostgreSQL may be down when a fault test stopped it; nothing to clean then.
    } finally {
      await client.end().catch(() => {});
    }
    let keys = 0;
    for (const prefix of [`frontdesk-test-${run}-`, `fdtest-${run}-`])
      keys += await deletePrefix(prefix, REDIS_URL).catch(() => 0);
    if (dropped.length || keys)
      console.warn(
        `test run ${run} left ${dropped.length} database(s) and ${keys} Redis key(s); removed them`,
      );
  };
}
