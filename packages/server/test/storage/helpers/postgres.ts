import { randomBytes } from "node:crypto";
import pg from "pg";
import { testRunId } from "../../helpers/test-run.js";

export const PG_ADMIN_URL =
  process.env.FRONTDESK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin<T>(action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `frontdesk_test_<random>`; `url(host, port)` points at it. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: (hostPort?: string) => string;
  drop: () => Promise<void>;
}> {
  const name = `frontdesk_test_${testRunId()}_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`create database ${name}`));
  const base = new URL(PG_ADMIN_URL);
  return {
    name,
    url(hostPort) {
      const url = new URL(base);
      if (hostPort) url.host = hostPort;
      url.pathname = `/${name}`;
      return url.toString();
    },
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}
