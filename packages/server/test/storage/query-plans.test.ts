// The hot look-ups are served by an index on SQLite and on PostgreSQL, whatever the data's
// size: the SQL the repositories really run (captured from Kysely's log, and from the fast
// store's prepared statements) is explained by each database, and no plan may scan a table.
import SQLite from "better-sqlite3";
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { kyselyStore, migrate } from "../../src/storage/durable/kysely-store.js";
import type { Database } from "../../src/storage/durable/schema.js";
import type { DurableStore } from "../../src/storage/durable/types.js";
import { sqliteFastStore } from "../../src/storage/fast/sqlite.js";
import { createTestDatabase } from "./helpers/postgres.js";

type Query = { sql: string; parameters: readonly unknown[] };

/** Runs each hot look-up once and returns the SQL it sent, by name. */
async function hotQueries(store: DurableStore, log: Query[]): Promise<Map<string, Query[]>> {
  const lookups: [string, () => Promise<unknown>][] = [
    ["refresh token by hash", () => store.refreshTokens.get("0".repeat(64))],
    ["refresh family by id", () => store.refreshTokens.getFamily("f".repeat(32))],
    ["user by id", () => store.users.get("u".repeat(32))],
    ["user by username", () => store.users.getByUsername("someone")],
    ["user by email", () => store.users.findByEmail("someone@example.test")],
    ["client by id", () => store.clients.get("c".repeat(32))],
  ];
  const out = new Map<string, Query[]>();
  for (const [name, lookup] of lookups) {
    const from = log.length;
    await lookup();
    out.set(name, log.slice(from));
  }
  return out;
}

const logTo =
  (log: Query[]) =>
  (event: LogEvent): void => {
    if (event.level === "query") log.push({ sql: event.query.sql, parameters: event.query.parameters });
  };

/** SQLite's plan lines; a look-up must SEARCH (an index or the primary key), never SCAN. */
function sqlitePlan(db: SQLite.Database, query: Query): string[] {
  const rows = db.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[]));
  return (rows as { detail: string }[]).map((r) => r.detail);
}

/** Every table access SEARCHes by an index or the primary key (sorting the few matches is fine). */
function expectSqliteIndexed(plan: string[]): void {
  const accesses = plan.filter((line) => /^(SCAN|SEARCH) /.test(line));
  expect(accesses.length).toBeGreaterThan(0);
  for (const line of accesses)
    expect(line).toMatch(/^SEARCH \S+ USING (COVERING )?(INDEX|PRIMARY KEY|INTEGER PRIMARY KEY)/);
}

describe("SQLite: the hot look-ups use an index", () => {
  const log: Query[] = [];
  let raw: SQLite.Database;
  let db: Kysely<Database>;
  let queries: Map<string, Query[]>;

  beforeAll(async () => {
    raw = new SQLite(":memory:");
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log: logTo(log) });
    await migrate(db, { int64: "integer" });
    queries = await hotQueries(kyselyStore(db, "sqlite"), log);
  });
  afterAll(() => db.destroy());

  it.each([
    "refresh token by hash",
    "refresh family by id",
    "user by id",
    "user by username",
    "user by email",
    "client by id",
  ])("%s", (name) => {
    const sent = queries.get(name) ?? [];
    expect(sent).toHaveLength(1);
    for (const query of sent) expectSqliteIndexed(sqlitePlan(raw, query));
  });

  it("the check can fail: a look-up on a column without an index scans", () => {
    const plan = sqlitePlan(raw, { sql: "select * from users where name = ?", parameters: ["x"] });
    expect(plan.join("\n")).toMatch(/^SCAN users/);
  });

  it("session by key (the fast store's read of a value) uses the primary key", async () => {
    const prepare = vi.spyOn(SQLite.prototype, "prepare");
    const fast = sqliteFastStore(":memory:");
    try {
      const read = prepare.mock.calls.findIndex(([sql]) =>
        /^select value from kv where ns = \? and key = \?/.test(sql),
      );
      expect(read).toBeGreaterThanOrEqual(0);
      const fastDb = prepare.mock.contexts[read] as SQLite.Database;
      const plan = sqlitePlan(fastDb, {
        sql: prepare.mock.calls[read]?.[0] as string,
        parameters: ["session", "0".repeat(64), Date.now()],
      });
      expectSqliteIndexed(plan);
      const members = prepare.mock.calls.findIndex(([sql]) =>
        /^select member from sets where ns = \? and key = \?/.test(sql),
      );
      expectSqliteIndexed(
        sqlitePlan(fastDb, {
          sql: prepare.mock.calls[members]?.[0] as string,
          parameters: ["user-sessions", "u", Date.now()],
        }),
      );
    } finally {
      prepare.mockRestore();
      await fast.close();
    }
  });
});

type PlanNode = { "Node Type": string; "Relation Name"?: string; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe("PostgreSQL: the hot look-ups use an index", () => {
  const log: Query[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Kysely<Database>;
  let client: pg.Client;
  let queries: Map<string, Query[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url(), max: 2 }) }),
      log: logTo(log),
    });
    await migrate(db, { int64: "bigint" });
    queries = await hotQueries(kyselyStore(db, "postgres"), log);
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
    // The tables are empty: without this the planner would rightly prefer reading them whole.
    // With it, a sequential scan remains only where no index can serve the query.
    await client.query("set enable_seqscan = off");
  });
  afterAll(async () => {
    await client?.end();
    await db?.destroy();
    await database?.drop();
  });

  async function plan(query: Query): Promise<PlanNode[]> {
    const { rows } = await client.query(`explain (format json) ${query.sql}`, query.parameters as unknown[]);
    return nodesOf((rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0]?.Plan as PlanNode);
  }

  it.each([
    "refresh token by hash",
    "refresh family by id",
    "user by id",
    "user by username",
    "user by email",
    "client by id",
  ])("%s", async (name) => {
    const sent = queries.get(name) ?? [];
    expect(sent).toHaveLength(1);
    for (const query of sent) {
      const types = (await plan(query)).map((n) => n["Node Type"]);
      expect(types).not.toContain("Seq Scan");
      expect(types.some((t) => /Index( Only)? Scan/.test(t))).toBe(true);
    }
  });

  it("the check can fail: a look-up on a column without an index scans", async () => {
    const types = (await plan({ sql: "select * from users where name = $1", parameters: ["x"] })).map(
      (n) => n["Node Type"],
    );
    expect(types).toContain("Seq Scan");
  });
});
