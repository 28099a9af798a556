import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { type ClientInput, type RegistrationOffer, registerClient } from "../../src/clients/registration.js";
import type { ConfigInput } from "../../src/config/schema.js";
import type { CoreServices } from "../../src/features/contract.js";
import { createLogger } from "../../src/logging/logger.js";
import { loadServerConfig as loadConfig } from "../../src/main/config.js";
import { type RunningServer, startServer } from "../../src/main/server.js";
import { registrationOfferFor } from "../../src/main/services.js";

/** One parsed pino log line (`level` 40 warn, 50 error, 60 fatal). */
export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** pino's error level: anything at or above it is a defect a test should see. */
export const ERROR_LEVEL = 50;

/** A pino destination that keeps every line in memory (synchronously, so a test sees it at once). */
export function memoryLogDestination(): { write(line: string): void; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    write(line: string) {
      for (const text of line.split("\n").filter(Boolean)) lines.push(JSON.parse(text) as LogLine);
    },
  };
}

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

export interface TestClientOptions {
  /**
   * Stored as if registered while every feature it names was on (one the server has
   * switched off since): the grant types and method it names need not be offered now.
   */
  registeredEarlier?: boolean;
}

/** What a test client may register: the server's offer, or (`registeredEarlier`) also what it names. */
export function testClientOffer(
  ctx: CoreServices,
  input: Partial<ClientInput>,
  options: TestClientOptions = {},
): RegistrationOffer {
  const offer = registrationOfferFor(ctx);
  if (!options.registeredEarlier) return offer;
  return {
    grantTypes: [...offer.grantTypes, ...(input.grantTypes ?? [])],
    authMethods: [
      ...offer.authMethods,
      ...(input.tokenEndpointAuthMethod ? [input.tokenEndpointAuthMethod] : []),
    ],
  };
}

export interface TestServer extends Omit<RunningServer, "app"> {
  issuer: string;
  dataDir: string;
  /** Registers a client directly in the server's store, with what the server offers. */
  client(input?: Partial<ClientInput>, options?: TestClientOptions): Promise<{ id: string; secret: string }>;
  /**
   * Log lines at level error or above (>= 50) since the start or the last
   * `clearLogs()`. In-process servers log at "warn" into memory; a distributed
   * server's processes log elsewhere, so there it is always empty.
   */
  errorLogs(): LogLine[];
  /** Every log line of an in-process server (warn and above); empty for a distributed one. */
  logLines(): LogLine[];
  clearLogs(): void;
  /** Distributed deployment only: each instance's own URL (behind the balancer), to pin a step to one. */
  instanceUrls?: string[];
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
  const logs = memoryLogDestination();
  const server = await startServer(config, createLogger("warn", logs));
  return {
    ...server,
    issuer,
    dataDir,
    errorLogs: () => logs.lines.filter((line) => line.level >= ERROR_LEVEL),
    logLines: () => [...logs.lines],
    clearLogs: () => {
      logs.lines.length = 0;
    },
    async client(input = {}, options = {}) {
      const full = {
        name: "test client",
        grantTypes: ["client_credentials"],
        scopes: "read write",
        ...input,
      };
      const { client, secret } = await registerClient(
        server.ctx,
        full,
        testClientOffer(server.ctx, full, options),
      );
      return { id: client.id, secret: secret ?? "" };
    },
    async close() {
      await server.close();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes every test of the enclosing `describe` fail if the server logged at level
 * error or above during it (then clears the log for the next test). Call it in a
 * `describe` body with a getter, since the server starts in `beforeAll`.
 */
export function failOnErrorLogs(server: () => TestServer | undefined): void {
  afterEach(() => {
    const running = server();
    if (!running) return;
    const errors = running.errorLogs();
    running.clearLogs();
    expect(errors, "error-level log lines during this test").toEqual([]);
  });
}
