import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, eventually } from "./helpers/http.js";
import { freePort, tempDir } from "./helpers/server.js";

const root = resolve(import.meta.dirname, "../../..");

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** Starts the server through a launcher, SIGTERMs the launcher only, and reports whether the server stopped. */
async function stopThrough(command: string, args: (port: number, dataDir: string) => string[]) {
  const port = await freePort();
  const dataDir = tempDir();
  const child: ChildProcess = spawn(command, args(port, dataDir), { cwd: root, env: cleanEnv() });
  let output = "";
  child.stdout?.on("data", (c) => {
    output += c;
  });
  child.stderr?.on("data", (c) => {
    output += c;
  });
  try {
    const health = `http://127.0.0.1:${port}/healthz`;
    await eventually(async () => ((await answers(health)) ? true : undefined), 20_000);
    child.kill("SIGTERM");
    await eventually(async () => ((await answers(health)) ? undefined : true), 10_000);
    // The log line may still be on its way through the launcher's pipe.
    await eventually(async () => (output.includes("shutting down") ? true : undefined), 5_000).catch(
      () => {},
    );
    return { output };
  } finally {
    child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const startArgs = (port: number, dataDir: string) => ["--port", String(port), "--data-dir", dataDir];

describe("SIGTERM reaches the server however it is launched", () => {
  afterEach(() => {});

  it("npx frontdesk start: the server shuts down gracefully when npx is told to stop", async () => {
    const { output } = await stopThrough("npx", (p, d) => ["frontdesk", "start", ...startArgs(p, d)]);
    expect(output).toContain("shutting down");
  });

  it("npm start: the same", async () => {
    const { output } = await stopThrough("npm", (p, d) => ["start", "--", ...startArgs(p, d)]);
    expect(output).toContain("shutting down");
  });

  it("the bin run directly (as a process manager does)", async () => {
    const { output } = await stopThrough(resolve(root, "node_modules/.bin/frontdesk"), (p, d) => [
      "start",
      ...startArgs(p, d),
    ]);
    expect(output).toContain("shutting down");
  });
});
