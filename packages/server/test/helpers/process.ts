import { type ChildProcess, spawn } from "node:child_process";
import { basename } from "node:path";
import { CLI, runCli } from "./http.js";
import { freePort } from "./server.js";

/** Runs the built CLI once (env on top of the runner's) and parses its --json output. */
export async function cli<T = Record<string, unknown>>(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<T> {
  const result = await runCli([...args, "--json"], env, input);
  if (result.code !== 0)
    throw new Error(`frontdesk ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) as string) as T;
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies with requests in flight. */
  kill(): Promise<void>;
}

/** Starts `frontdesk start` as its own process and waits until it answers /healthz. */
export async function startServerProcess(options: {
  dataDir: string;
  issuer?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [CLI, "start", "--data-dir", options.dataDir, "--port", String(port), "--issuer", issuer],
    {
      env: { ...process.env, FRONTDESK_LOG_LEVEL: "warn", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`frontdesk exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`frontdesk did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Starts a Node program (an example's `.mjs`) and waits for the " on http" line it prints once listening. */
export async function startProgram(file: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const name = basename(file);
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 15_000);
    const collect = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes(" on http")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("exit", (code) => reject(new Error(`${name} exited ${code}: ${output}`)));
  });
  return child;
}
