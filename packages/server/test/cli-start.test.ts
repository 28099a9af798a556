import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listenProblem } from "../src/main/server.js";
import { CLI, cleanEnv, runCli } from "./helpers/http.js";
import { freePort, tempDir } from "./helpers/server.js";

describe("`frontdesk start`", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("serves on the given port and issuer, logs its URL, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    dirs.push(dataDir);
    const issuer = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [
        CLI,
        "start",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--data-dir",
        dataDir,
        "--issuer",
        issuer,
      ],
      { env: cleanEnv() },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const logged = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no URL logged; stdout: ${stdout} stderr: ${stderr}`)),
          15_000,
        );
        child.stdout.on("data", (c) => {
          stdout += c;
          // Complete lines only; the server's own line, not Fastify's "Server listening at".
          for (const line of stdout.split("\n").slice(0, -1)) {
            const record = JSON.parse(line) as Record<string, unknown>;
            if (!String(record.msg).startsWith("Frontdesk listening")) continue;
            clearTimeout(timer);
            resolve(record);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
      });
      // Structured (JSON) log line naming the URL it serves.
      expect(logged.url).toBe(`http://127.0.0.1:${port}`);
      expect(logged.issuer).toBe(issuer);
      expect(logged.msg).toBe(`Frontdesk listening on ${issuer} (bound to 127.0.0.1:${port})`);
      expect(logged.bound).toBe(`127.0.0.1:${port}`);
      // Development mode says loudly that it generated a secret.
      expect(stdout).toMatch(/CONFIG WARNING: development mode/);

      const res = await fetch(`${logged.url}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      const metadata = (await res.json()) as Record<string, unknown>;
      expect(metadata.issuer).toBe(issuer);
      expect(metadata.token_endpoint).toBe(`${issuer}/token`);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });

  it('refuses --port abc with exit code 2 and a message naming the key and the fix ("abc" is not a port number; use 0-65535)', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const child = spawn(process.execPath, [CLI, "start", "--port", "abc", "--data-dir", dataDir], {
      env: cleanEnv(),
    });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('port (env FRONTDESK_PORT, --port): "abc" is not a port number; use 0-65535');
    expect(stderr).not.toContain("NaN");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("a data folder that is a file, or below one, exits 2 naming dataDir and the fix (not EEXIST / ENOTDIR)", async () => {
    const parent = tempDir();
    dirs.push(parent);
    const file = join(parent, "plain-file");
    writeFileSync(file, "x");
    const isFile = await runCli(["start", "--port", "0", "--data-dir", file]);
    expect(isFile.code).toBe(2);
    expect(isFile.stderr).toContain(
      `dataDir (env FRONTDESK_DATA_DIR, --data-dir): ${file} is a file, not a folder; remove it or choose another folder`,
    );
    const below = await runCli(["start", "--port", "0", "--data-dir", join(file, "data")]);
    expect(below.code).toBe(2);
    expect(below.stderr).toContain(`${file} is a file, not a folder; choose another folder`);
    for (const result of [isFile, below]) {
      expect(result.stderr).not.toMatch(/EEXIST|ENOTDIR|unexpected error/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  // As root, chmod does not stop writes: run the CLI as nobody through setpriv (util-linux) instead.
  const root = process.getuid?.() === 0;
  const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath];
  const setpriv =
    root &&
    spawnSync(asNobody[0] as string, [
      ...asNobody.slice(1),
      "-e",
      `require("fs").accessSync(${JSON.stringify(CLI)})`,
    ]).status === 0;
  it.skipIf(root && !setpriv)(
    "an unwritable data folder exits 2 with 'dataDir …: cannot write to DIR: permission denied; choose a folder you can write to' (not EACCES … dev-key-encryption-secret)",
    async () => {
      const parent = tempDir();
      dirs.push(parent);
      const dataDir = join(parent, "data");
      mkdirSync(dataDir);
      chmodSync(parent, 0o755);
      chmodSync(dataDir, 0o555);
      const command = root ? asNobody : [process.execPath];
      const result = spawnSync(
        command[0] as string,
        [...command.slice(1), CLI, "start", "--data-dir", dataDir],
        {
          env: cleanEnv(),
          encoding: "utf8",
        },
      );
      chmodSync(dataDir, 0o755);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(
        `dataDir (env FRONTDESK_DATA_DIR, --data-dir): cannot write to ${dataDir}: permission denied; choose a folder you can write to`,
      );
      expect(result.stderr).not.toMatch(/EACCES|dev-key-encryption-secret/);
    },
  );

  it("a port in use (EADDRINUSE) exits 2 saying so and how to choose another port, and leaves nothing running", async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    try {
      const result = await runCli([
        "start",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--data-dir",
        dataDir,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `port ${port} is already in use on 127.0.0.1: stop the other process or choose another with --port / FRONTDESK_PORT`,
      );
      expect(result.stderr).not.toMatch(/EADDRINUSE|unexpected error|\n\s+at /);
    } finally {
      other.close();
    }
  });

  it("other listen failures the configuration can fix name the setting (privileged port, a host that is not here)", () => {
    expect(listenProblem({ code: "EACCES" }, "0.0.0.0", 80)).toBe(
      "port 80 on 0.0.0.0: permission denied (ports below 1024 need privileges); choose another with --port / FRONTDESK_PORT",
    );
    expect(listenProblem({ code: "EADDRNOTAVAIL" }, "192.0.2.1", 3000)).toContain(
      "host (env FRONTDESK_HOST, --host): 192.0.2.1 is not an address of this machine",
    );
    expect(listenProblem({ code: "ENOTFOUND" }, "nowhere.invalid", 3000)).toContain(
      "host (env FRONTDESK_HOST, --host): nowhere.invalid does not resolve",
    );
    expect(listenProblem(new Error("something else"), "127.0.0.1", 3000)).toBeUndefined();
  });

  it("frontdesk start --json: stdout is exactly one JSON object {url, issuer}, every log line is on stderr", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    dirs.push(dataDir);
    const child = spawn(
      process.execPath,
      [CLI, "start", "--port", String(port), "--data-dir", dataDir, "--json"],
      {
        env: cleanEnv(),
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const printed = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing on stdout; stderr: ${stderr}`)), 15_000);
        child.stdout.on("data", (c) => {
          stdout += c;
          if (!stdout.endsWith("\n")) return;
          clearTimeout(timer);
          resolve(JSON.parse(stdout) as Record<string, unknown>);
        });
      });
      expect(printed).toEqual({ url: `http://127.0.0.1:${port}`, issuer: `http://localhost:${port}` });
      expect((await fetch(`${printed.url}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    // Still exactly one JSON object after the shutdown was logged.
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(["url", "issuer"]);
    const logs = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs.some((r) => String(r.msg).startsWith("Frontdesk listening"))).toBe(true);
    expect(logs.some((r) => String(r.msg).startsWith("CONFIG WARNING"))).toBe(true);
    expect(logs.some((r) => String(r.msg).startsWith("shutting down"))).toBe(true);
  });

  it("The startup line says 127.0.0.1 where the issuer says localhost: it now names the issuer URL people open, then the bound address", async () => {
    const port = await freePort();
    const dataDir = tempDir();
    dirs.push(dataDir);
    // No --issuer: the default issuer is http://localhost:PORT, bound to 127.0.0.1.
    const child = spawn(
      process.execPath,
      [CLI, "start", "--port", String(port), "--data-dir", dataDir, "--json"],
      {
        env: cleanEnv(),
      },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 15_000);
        child.stderr.on("data", (c) => {
          stderr += c;
          for (const text of stderr.split("\n").slice(0, -1)) {
            const record = JSON.parse(text) as Record<string, unknown>;
            if (!String(record.msg).startsWith("Frontdesk listening")) continue;
            clearTimeout(timer);
            resolve(record);
          }
        });
      });
      expect(line.msg).toBe(`Frontdesk listening on http://localhost:${port} (bound to 127.0.0.1:${port})`);
      expect(line).toMatchObject({ issuer: `http://localhost:${port}`, bound: `127.0.0.1:${port}` });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
