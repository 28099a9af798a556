import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerClient } from "../src/clients/registration.js";
import { createLogger, formatLogLine, prettyStream } from "../src/logging/logger.js";
import { loadServerConfig as loadConfig } from "../src/main/config.js";
import { type RunningServer, startServer } from "../src/main/server.js";
import { registrationOfferFor } from "../src/main/services.js";
import { basic, CLI, cleanEnv, postForm, postRaw } from "./helpers/http.js";
import { freePort, tempDir } from "./helpers/server.js";

describe("logs: structured, and never a secret or a whole token", () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  let server: RunningServer & { issuer: string };
  let keyEncryptionSecret: string;
  const dataDir = tempDir();

  beforeAll(async () => {
    const port = await freePort();
    const config = loadConfig({
      env: {},
      flags: { port, host: "127.0.0.1", issuer: `http://127.0.0.1:${port}`, dataDir, logLevel: "trace" },
    });
    keyEncryptionSecret = config.keyEncryptionSecret;
    const running = await startServer(config, createLogger("trace", sink));
    server = { ...running, issuer: config.issuer };
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("client credentials, introspection, revocation and failures leave no credential in the log", async () => {
    const { client, secret } = await registerClient(
      server.ctx,
      { name: "logged", grantTypes: ["client_credentials"], scopes: "read" },
      registrationOfferFor(server.ctx),
    );
    const authorization = basic(client.id, secret as string);
    const issued = await postForm(server, "/token", { grant_type: "client_credentials" }, { authorization });
    const token = String(issued.json?.access_token);
    expect(token.split(".")).toHaveLength(3);

    const viaPost = await postForm(server, "/token", {
      grant_type: "client_credentials",
      client_id: client.id,
      client_secret: secret as string,
    });
    const postToken = String(viaPost.json?.access_token);
    await postForm(server, "/introspect", { token }, { authorization });
    await postForm(server, "/introspect", {
      token: postToken,
      client_id: client.id,
      client_secret: secret as string,
    });
    await postForm(server, "/revoke", { token, token_type_hint: "access_token" }, { authorization });
    // Failures that carry credentials: wrong secret, repeated secret, secrets in the query, a JSON body.
    const wrongSecret = `${secret}-wrong`;
    await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, wrongSecret) },
    );
    await postForm(server, "/token", [
      ["grant_type", "client_credentials"],
      ["client_id", client.id],
      ["client_secret", secret as string],
      ["client_secret", secret as string],
    ]);
    await postForm(
      server,
      `/introspect?token=${postToken}&client_secret=${secret}`,
      { token: postToken },
      { authorization },
    );
    await postRaw(server, "/token", JSON.stringify({ client_secret: secret, token }), {
      "content-type": "application/json",
      authorization,
    });
    await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "x".repeat(70_000) },
      { authorization },
    );
    await fetch(`${server.issuer}/nope?access_token=${postToken}`, { headers: { authorization } });

    await new Promise((r) => setTimeout(r, 50));
    const output = lines.join("\n");
    // The log is there and detailed (trace): requests were logged...
    expect(lines.length).toBeGreaterThan(10);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.every((r) => typeof r.level === "number" && typeof r.time === "number")).toBe(true);
    expect(records.some((r) => (r.req as { path?: string } | undefined)?.path === "/introspect")).toBe(true);
    // ...and no credential or token appears anywhere, whole or as its signature.
    for (const [what, value] of [
      ["client secret", secret as string],
      ["wrong secret", wrongSecret],
      ["access token", token],
      ["access token (post)", postToken],
      ["token signature", token.split(".")[2] as string],
      ["Authorization header", authorization],
      ["Basic credentials", authorization.slice("Basic ".length)],
      ["key-encryption secret", keyEncryptionSecret],
    ] as [string, string][]) {
      expect(output.includes(value), `${what} found in the log`).toBe(false);
    }
  });
});

const READABLE = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;

describe("Development logs are JSON only: logFormat pretty (and auto on a terminal) prints `time LEVEL message key=value`", () => {
  it("formatLogLine turns one pino JSON line into one readable line", () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    const line = JSON.stringify({
      level: 30,
      time,
      service: "frontdesk",
      reqId: "req-1",
      req: { id: "req-1", method: "GET", path: "/token" },
      res: { status: 200 },
      responseTime: 1.5,
      scopes: ["a", "b"],
      msg: "request completed",
    });
    expect(formatLogLine(line)).toBe(
      '03:04:05.006 INFO  request completed reqId=req-1 req.id=req-1 req.method=GET req.path=/token res.status=200 responseTime=1.5 scopes=["a","b"]',
    );
    expect(formatLogLine(JSON.stringify({ level: 40, time, msg: "careful", note: "two words" }))).toBe(
      '03:04:05.006 WARN  careful note="two words"',
    );
    // An error: its message on the line, its stack indented below.
    const withError = formatLogLine(
      JSON.stringify({
        level: 50,
        time,
        msg: "request failed",
        err: { type: "Error", message: "boom", stack: "Error: boom\n    at here (file.js:1:1)" },
      }),
    );
    expect(withError).toBe(
      "03:04:05.006 ERROR request failed err=boom\n    Error: boom\n    at here (file.js:1:1)",
    );
    // Whatever is not a JSON object passes through unchanged.
    expect(formatLogLine("not json")).toBe("not json");
  });

  it("logFormat=pretty: a logger writing through prettyStream prints readable lines, still redacted", () => {
    const written: string[] = [];
    const logger = createLogger("info", prettyStream({ write: (text: string) => written.push(text) }));
    logger.info({ client: { client_secret: "do-not-print" }, user: "ann" }, "signed in");
    logger.debug("below the level");
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(READABLE);
    expect(written[0]).toMatch(/INFO {2}signed in client.client_secret=\[redacted\] user=ann\n$/);
    expect(written.join("")).not.toContain("do-not-print");
  });

  it("FRONTDESK_LOG_FORMAT=pretty: frontdesk start logs readable lines, not JSON", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const child = spawn(process.execPath, [CLI, "start", "--port", String(port), "--data-dir", dataDir], {
      env: cleanEnv({ FRONTDESK_LOG_FORMAT: "pretty" }),
    });
    let stdout = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stdout}`)), 15_000);
        child.stdout.on("data", () => {
          if (!stdout.includes("Frontdesk listening")) return;
          clearTimeout(timer);
          resolve();
        });
      });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(READABLE);
    expect(stdout).toMatch(/WARN {2}CONFIG WARNING: development mode/);
    expect(stdout).toContain(
      `INFO  Frontdesk listening on http://localhost:${port} (bound to 127.0.0.1:${port})`,
    );
    expect(stdout).toMatch(/INFO {2}shutting down: finishing in-flight requests signal=SIGTERM/);
  });

  // A terminal for real: `script` (util-linux) runs the server on a pseudo-terminal.
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)(
    "logFormat auto (the default): on a terminal frontdesk start logs readable lines (skipped without util-linux script)",
    async () => {
      const port = await freePort();
      const dataDir = tempDir();
      // `exec`: the server is the terminal's foreground process, not a child of the shell
      // `script` starts. dash (/bin/sh, CI's $SHELL) would itself die of the Ctrl-C (130).
      const command = `exec ${[process.execPath, CLI, "start", "--port", String(port), "--data-dir", dataDir]
        .map((word) => `'${word}'`)
        .join(" ")}`;
      const child = spawn("script", ["-qec", command, "/dev/null"], { env: cleanEnv({ SHELL: "/bin/sh" }) });
      let output = "";
      child.stdout.on("data", (c) => {
        output += c;
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 15_000);
        child.stdout.on("data", () => {
          if (!output.includes("Frontdesk listening")) return;
          clearTimeout(timer);
          resolve();
        });
      });
      child.stdin.write("\u0003"); // Ctrl-C on the terminal: SIGINT, a graceful stop
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
      const lines = output
        .replace(/\^C/g, "")
        .split(/\r?\n/)
        .filter((l) => l.trim());
      for (const line of lines) expect(line).toMatch(READABLE);
      expect(output).toMatch(/INFO {2}shutting down: finishing in-flight requests signal=SIGINT/);
    },
  );
});
