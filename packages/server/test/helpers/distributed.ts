import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { type ClientInput, registerClient } from "../../src/clients/registration.js";
import { envName, featureEnvName } from "../../src/config/env.js";
import { createLogger } from "../../src/logging/logger.js";
import { loadServerConfig as loadConfig } from "../../src/main/config.js";
import { closeContext, createContext } from "../../src/main/services.js";
import { createTestDatabase } from "../storage/helpers/postgres.js";
import { startNginx } from "./nginx.js";
import { startServerProcess } from "./process.js";
import {
  freePort,
  type TestClientOptions,
  type TestConfig,
  type TestServer,
  tempDir,
  testClientOffer,
} from "./server.js";
import { testRunId } from "./test-run.js";

const REDIS_URL = process.env.FRONTDESK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function toEnv(settings: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (key === "features") {
      for (const [feature, section] of Object.entries(value as Record<string, Record<string, unknown>>))
        for (const [option, v] of Object.entries(section)) env[featureEnvName(feature, option)] = String(v);
      continue;
    }
    env[envName(key)] = Array.isArray(value) ? value.join(" ") : String(value);
  }
  return env;
}

/**
 * Two identical server processes sharing PostgreSQL and Redis behind nginx
 * round-robin, so consecutive requests of one flow land on different instances.
 * `ctx` is a third participant on the same stores (what the CLI would be).
 */
export async function startDistributedTestServer(overrides: TestConfig = {}): Promise<TestServer> {
  const db = overrides.databaseUrl ? undefined : await createTestDatabase();
  const lbPort = await freePort();
  const url = `http://127.0.0.1:${lbPort}`;
  const settings = {
    keyRefreshInterval: 1,
    ...overrides,
    issuer: overrides.issuer ?? url,
    databaseUrl: overrides.databaseUrl ?? db?.url(),
    redisUrl: overrides.redisUrl ?? REDIS_URL,
    redisPrefix: overrides.redisPrefix ?? `fdtest-${testRunId()}-${randomBytes(4).toString("hex")}:`,
    keyEncryptionSecret: overrides.keyEncryptionSecret ?? randomBytes(32).toString("base64url"),
    logLevel: "warn" as const,
  };
  const { dataDir: _ignored, port: _port, host: _host, ...shared } = settings;
  const env = toEnv(shared);
  const issuer = loadConfig({ env: {}, flags: { ...shared, dataDir: tempDir() } }).issuer;
  const instances = await Promise.all([
    startServerProcess({ dataDir: tempDir(), issuer, env }),
    startServerProcess({ dataDir: tempDir(), issuer, env }),
  ]);
  const lb = await startNginx(
    (port) => `
  upstream frontdesk { ${instances.map((i) => `server 127.0.0.1:${i.port};`).join(" ")} }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://frontdesk; proxy_set_header Host $http_host; proxy_next_upstream off; proxy_buffering off; }
  }`,
    lbPort,
  );
  const dataDir = tempDir();
  const config = loadConfig({ env: {}, flags: { ...shared, dataDir, port: lbPort, logLevel: "silent" } });
  const ctx = await createContext(config, createLogger("silent"));
  return {
    url,
    issuer,
    dataDir,
    ctx,
    instanceUrls: instances.map((i) => `http://127.0.0.1:${i.port}`),
    async client(input: Partial<ClientInput> = {}, options: TestClientOptions = {}) {
      const full = {
        name: "test client",
        grantTypes: ["client_credentials"],
        scopes: "read write",
        ...input,
      };
      const { client, secret } = await registerClient(ctx, full, testClientOffer(ctx, full, options));
      return { id: client.id, secret: secret ?? "" };
    },
    // The instances are separate processes: their logs are not captured here.
    errorLogs: () => [],
    logLines: () => [],
    clearLogs: () => {},
    async close() {
      await lb.stop();
      await Promise.all(instances.map((i) => i.stop()));
      await closeContext(ctx);
      await db?.drop();
      const redis = new Redis(settings.redisUrl);
      const keys = await redis.keys(`${settings.redisPrefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
}
