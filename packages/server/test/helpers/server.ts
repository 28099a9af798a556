import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientInput, registerClient } from "../../src/clients/registration.js";
import type { ConfigInput } from "../../src/config/schema.js";
import { createLogger } from "../../src/logging/logger.js";
import { loadServerConfig as loadConfig } from "../../src/main/config.js";
import { type RunningServer, startServer } from "../../src/main/server.js";

/** A free TCP port on 127.0.0.1 (tiny race accepted: tests only). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function tempDir(prefix = "frontdesk-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer extends Omit<RunningServer, "app"> {
  issuer: string;
  dataDir: string;
  /** Registers a client directly in the server's store. */
  client(input?: Partial<ClientInput>): Promise<{ id: string; secret: string }>;
}

/**
 * Starts the real server on an ephemeral port with its own data directory. With
 * FRONTDESK_TEST_DEPLOYMENT=distributed it is instead two `frontdesk start`
 * processes sharing a fresh PostgreSQL database and a Redis key prefix, behind a
 * round-robin nginx (see distributed.ts): the same tests then prove any instance
 * serves any step.
 */
/** Configuration for a test server: any key, plus `features.<name>` sections. */
export type TestConfig = Partial<ConfigInput> & { features?: Record<string, Record<string, unknown>> };

export async function startTestServer(overrides: TestConfig = {}): Promise<TestServer> {
  if (process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed") {
    const { startDistributedTestServer } = await import("./distributed.js");
    return startDistributedTestServer(overrides);
  }
  const port = await freePort();
  const dataDir = overrides.dataDir ?? tempDir();
  const issuer = overrides.issuer ?? `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: {},
    flags: {
      port,
      host: "127.0.0.1",
      issuer,
      dataDir,
      logLevel: "silent",
      keyRefreshInterval: 1,
      ...overrides,
    },
  });
  const server = await startServer(config, createLogger("silent"));
  return {
    ...server,
    issuer,
    dataDir,
    async client(input = {}) {
      const { client, secret } = await registerClient(server.ctx, {
        name: "test client",
        grantTypes: ["client_credentials"],
        scopes: "read write",
        ...input,
      });
      return { id: client.id, secret: secret ?? "" };
    },
    async close() {
      await server.close();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
