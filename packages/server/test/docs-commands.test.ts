import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectBlocksKeptTheirWord,
  ROOT,
  readerFolder,
  runBlocks,
  shellBlocks,
} from "./helpers/doc-blocks.js";
import { cleanEnv, clientCredentialsToken } from "./helpers/http.js";
import { failOnErrorLogs, freePort, startTestServer, type TestServer, tempDir } from "./helpers/server.js";
import { startUpstreamOidc, type UpstreamOidc } from "./helpers/upstream-oidc.js";
import { makeUser } from "./helpers/users.js";
import { createTestDatabase } from "./storage/helpers/postgres.js";
import { REDIS_URL, testPrefix } from "./storage/helpers/redis.js";

const DOCS = resolve(ROOT, "docs");
const doc = (file: string) => readFileSync(resolve(DOCS, file), "utf8");

/** The pages whose command blocks this file runs. */
const RUN_HERE = [
  "containers.md",
  "storage.md",
  "upstream-providers.md",
  "passkeys.md",
  "one-time-codes.md",
  "strong-authentication.md",
];

/**
 * Pages another test reads from their own text. guard.md's blocks run there as pasted
 * (its snippets); audit.md's and migrating-users.md's tests check their tables and
 * example file, not their commands.
 */
const LEFT_TO_THEIR_OWN_TESTS: Record<string, string> = {
  "guard.md": "gateway/guard-doc-commands.test.ts",
  "audit.md": "audit/audit-doc.test.ts",
  "migrating-users.md": "flows/user-import.test.ts",
};

describe("docs/*.md: every page with shell commands has a test that reads it", () => {
  it("each page with ```sh blocks is run here or read by its own test", () => {
    const withCommands = readdirSync(DOCS).filter((f) => f.endsWith(".md") && shellBlocks(doc(f)).length > 0);
    expect(withCommands.sort()).toEqual([...RUN_HERE, ...Object.keys(LEFT_TO_THEIR_OWN_TESTS)].sort());
    for (const [page, test] of Object.entries(LEFT_TO_THEIR_OWN_TESTS)) {
      const file = resolve(import.meta.dirname, test);
      expect(existsSync(file), test).toBe(true);
      expect(readFileSync(file, "utf8"), test).toContain(page);
    }
  });
});

describe("docs/containers.md: its commands need a container engine", () => {
  it("every block says so and names what runs instead", () => {
    const blocks = shellBlocks(doc("containers.md"));
    expect(blocks).toHaveLength(4);
    for (const block of blocks)
      expect(block.skip, `line ${block.line}`).toMatch(/container engine|Compose stack/);
  });
});

describe("docs/storage.md's commands run as pasted against this run's PostgreSQL and Redis", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it("exports the settings and migrates the empty database", async () => {
    const blocks = shellBlocks(doc("storage.md"));
    expect(blocks.filter((b) => b.skip)).toEqual([]);
    const run = await runBlocks(blocks, {
      env: { ...cleanEnv(), FRONTDESK_DATA_DIR: tempDir() },
      rewrite: (code) =>
        code
          .replace("postgres://frontdesk:…@db:5432/frontdesk", database.url())
          .replace("redis://redis:6379", REDIS_URL)
          .replace("FRONTDESK_REDIS_PREFIX=frontdesk:", `FRONTDESK_REDIS_PREFIX=${testPrefix()}`),
    });
    expectBlocksKeptTheirWord("docs/storage.md", blocks, run);
    const migrated = [...run.outputs.values()].find((out) => out.includes('"store":'));
    const answer = JSON.parse(migrated ?? "{}") as { store?: string; ran?: string[] };
    // The exported URL reached the command: PostgreSQL, every migration from the first.
    expect(answer.store).toBe("postgres");
    expect(answer.ran?.[0]).toBe("001-initial");
  }, 120_000);
});

describe("docs/upstream-providers.md's commands run as pasted against a fresh server", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    const port = await freePort();
    server = await startTestServer({ port, issuer: `http://localhost:${port}` });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  // About ten CLI invocations: twenty seconds on an idle machine, far more on a busy one.
  it("adds the providers of every section, lists them, removes one and adds it back over the admin API", async () => {
    const blocks = shellBlocks(doc("upstream-providers.md"));
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThan(blocks.length / 2);
    // What the reader has by then: the provider's credentials, Apple's key file, an admin token.
    const folder = readerFolder();
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    writeFileSync(resolve(folder, "AuthKey_KEY1234567.p8"), await exportPKCS8(privateKey));
    const admin = await server.client({ scopes: "frontdesk:admin" });
    const token = await clientCredentialsToken(server, admin, { resource: `${server.issuer}/admin/api` });
    const credentials = Object.fromEntries(
      [
        "CORP_CLIENT_SECRET",
        "FORGE_CLIENT_SECRET",
        "GITHUB_CLIENT_ID",
        "GITHUB_CLIENT_SECRET",
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "MICROSOFT_APPLICATION_ID",
        "MICROSOFT_CLIENT_SECRET",
        "GITLAB_APPLICATION_ID",
        "GITLAB_SECRET",
      ].map((name) => [name, `${name.toLowerCase()}-from-the-provider`]),
    );
    const run = await runBlocks(blocks, {
      cwd: folder,
      env: {
        ...cleanEnv(),
        ...credentials,
        TOKEN: token,
        FRONTDESK_DATA_DIR: server.dataDir,
        FRONTDESK_ISSUER: server.issuer,
      },
      rewrite: (code) =>
        code
          .replaceAll("https://id.example.com", server.issuer)
          // The company's own provider, whose discovery document is read at once.
          .replaceAll("https://sso.corp.example", upstream.issuer),
    });
    expectBlocksKeptTheirWord("docs/upstream-providers.md", blocks, run);
    const stored = (await server.ctx.durable
      .featureTables<{ upstream_providers: { id: string } }>()
      .selectFrom("upstream_providers")
      .select("id")
      .execute()) as { id: string }[];
    expect(stored.map((p) => p.id).sort()).toEqual(
      ["apple", "corp", "forge", "github", "gitlab", "google", "microsoft"].sort(),
    );
    expect(run.out).toContain(
      `register this redirect URI at the provider: ${server.issuer}/upstream/corp/callback`,
    );
  }, 180_000);
});

describe("the second-factor pages' commands run as pasted against a fresh server", () => {
  let server: TestServer;
  beforeAll(async () => {
    const port = await freePort();
    server = await startTestServer({ port, issuer: `http://localhost:${port}` });
  });
  afterAll(() => server?.close());
  failOnErrorLogs(() => server);

  it.each(["passkeys.md", "one-time-codes.md", "strong-authentication.md"])(
    "docs/%s: a client that needs a level, the administrator's reset (CLI and admin API)",
    async (page) => {
      const blocks = shellBlocks(doc(page));
      // Only the blocks that start a server with another setting are skipped.
      for (const block of blocks.filter((b) => b.skip)) expect(block.code).toContain("npx frontdesk start");
      expect(blocks.some((b) => !b.skip)).toBe(true);
      if (!(await server.ctx.durable.users.getByUsername("alice"))) await makeUser(server.ctx, "alice");
      const admin = await server.client({ scopes: "frontdesk:admin" });
      const token = await clientCredentialsToken(server, admin, { resource: `${server.issuer}/admin/api` });
      const run = await runBlocks(blocks, {
        cwd: readerFolder(),
        env: {
          ...cleanEnv(),
          TOKEN: token,
          FRONTDESK_DATA_DIR: server.dataDir,
          FRONTDESK_ISSUER: server.issuer,
        },
        rewrite: (code) => code.replaceAll("http://localhost:3000", server.issuer),
      });
      expectBlocksKeptTheirWord(`docs/${page}`, blocks, run);
      // The pages with the reset show it working: every factor named, none left.
      if (page !== "passkeys.md") expect(run.out).toMatch(/reset the second factors of alice|"factors":\[/);
      if (page === "passkeys.md") expect(run.out).toMatch(/client_id: +[0-9a-f]+/);
    },
    120_000,
  );
});
