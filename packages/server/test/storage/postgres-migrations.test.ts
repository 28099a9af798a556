import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerMigrate } from "../../src/cli/commands/migrate.js";
import { CliError } from "../../src/cli/output.js";
import { migratePostgres, openPostgresStore } from "../../src/storage/durable/postgres.js";
import { freePort, tempDir } from "../helpers/server.js";
import { CORE_MIGRATIONS } from "./helpers/core-migrations.js";
import { createTestDatabase } from "./helpers/postgres.js";

describe("PostgreSQL migrations", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: db.url() });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }

  it("runs once when five processes start at the same time on a fresh database", async () => {
    const ran = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(db.url())));
    expect(ran.filter((r) => r.length > 0)).toEqual([[...CORE_MIGRATIONS]]);
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => openPostgresStore({ url: db.url(), poolSize: 2 })),
    );
    await Promise.all(stores.map((s) => s.ping()));
    await Promise.all(stores.map((s) => s.close()));
    expect(await migratePostgres(db.url())).toEqual([]);
  });

  it("opens five stores at once on a fresh database, each migrating under the lock", async () => {
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => openPostgresStore({ url: db.url(), poolSize: 2 })),
    );
    await Promise.all(stores.map((s) => s.close()));
    const rows = await query<{ name: string }>("select name from kysely_migration");
    expect(rows.map((r) => r.name)).toEqual([...CORE_MIGRATIONS]);
  });

  it("creates BIGINT times and the partial unique indexes on signing key state", async () => {
    await migratePostgres(db.url());
    const types = await query<{ column_name: string; data_type: string }>(
      "select column_name, data_type from information_schema.columns where table_name = 'refresh_tokens' and column_name in ('issued_at', 'expires_at', 'rotated_at', 'auth_time')",
    );
    expect(types.map((t) => t.data_type)).toEqual(["bigint", "bigint", "bigint", "bigint"]);
    const indexes = await query<{ indexname: string; indexdef: string }>(
      "select indexname, indexdef from pg_indexes where tablename = 'signing_keys' and indexname like 'signing_keys_one_%' order by indexname",
    );
    // One active and one next key per algorithm (ID tokens are signed with the client's).
    expect(indexes.map((i) => i.indexname)).toEqual([
      "signing_keys_one_active_per_alg",
      "signing_keys_one_next_per_alg",
    ]);
    for (const i of indexes)
      expect(i.indexdef).toMatch(/UNIQUE INDEX .* \(alg, state\) WHERE \(state = '(active|next)'::text\)/);
  });

  it("indexes users by lowercased e-mail address (migration 007), not uniquely", async () => {
    await migratePostgres(db.url());
    const indexes = await query<{ indexdef: string }>(
      "select indexdef from pg_indexes where tablename = 'users' and indexname = 'users_email_lower'",
    );
    expect(indexes).toHaveLength(1);
    expect(indexes[0]?.indexdef).toMatch(
      /^CREATE INDEX users_email_lower ON public\.users USING btree \(lower\(email\)\)$/,
    );
  });

  it("`frontdesk migrate --json` runs pending migrations of the configured database and says which", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "frontdesk.json"), JSON.stringify({ databaseUrl: db.url() }));
    const run = async () => {
      const program = new Command("frontdesk").exitOverride();
      registerMigrate(program);
      const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        await program.parseAsync(["node", "frontdesk", "migrate", "--data-dir", dir, "--json"]);
        return JSON.parse(String(write.mock.calls.at(-1)?.[0]));
      } finally {
        write.mockRestore();
      }
    };
    try {
      expect(await run()).toEqual({
        store: "postgres",
        // The CLI runs the features' migrations too (switching one on later needs no migrate).
        ran: [
          ...CORE_MIGRATIONS,
          "backchannelLogout-001-outbox",
          "dynamicRegistration-001-initial-access-tokens",
          "dynamicRegistration-002-registration-access-tokens",
          "oneTimeCodes-001-credentials",
          "oneTimeCodes-002-recovery-codes",
          "passkeys-001-user-handles",
          "passkeys-002-credentials",
          "upstream-001-providers",
          "upstream-002-identities",
        ],
      });
      expect(await run()).toEqual({ store: "postgres", ran: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("`frontdesk migrate` without databaseUrl migrates the SQLite file", async () => {
    const dir = tempDir();
    const program = new Command("frontdesk").exitOverride();
    registerMigrate(program);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await program.parseAsync(["node", "frontdesk", "migrate", "--data-dir", dir]);
      expect(String(write.mock.calls.at(-1)?.[0])).toBe(
        "sqlite: ran 001-initial, 002-client-secret-rotation, 003-key-sets-per-algorithm, 004-client-metadata, 005-refresh-family-dpop-key, 006-email, 007-users-email-index, 008-user-name, 009-refresh-idp, backchannelLogout-001-outbox, dynamicRegistration-001-initial-access-tokens, dynamicRegistration-002-registration-access-tokens, oneTimeCodes-001-credentials, oneTimeCodes-002-recovery-codes, passkeys-001-user-handles, passkeys-002-credentials, upstream-001-providers, upstream-002-identities\n",
      );
    } finally {
      write.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("`frontdesk migrate` reports an unreachable database as a plain error", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "frontdesk.json"),
      JSON.stringify({ databaseUrl: db.url(`127.0.0.1:${await freePort()}`) }),
    );
    const program = new Command("frontdesk").exitOverride();
    registerMigrate(program);
    try {
      await expect(program.parseAsync(["node", "frontdesk", "migrate", "--data-dir", dir])).rejects.toThrow(
        CliError,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
