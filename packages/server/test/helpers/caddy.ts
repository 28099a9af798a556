import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./server.js";

export interface Caddy {
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Debian's caddy on the PATH; a clear failure (never a skip) when it is missing. */
export function caddyBinary(): string {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/sbin"]) {
    const candidate = join(dir || ".", "caddy");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    "caddy is not installed: the Caddy gateway test runs Debian's caddy. " +
      "Run `bash scripts/test-prerequisites.sh` (as root it installs it) or `apt-get install -y caddy`.",
  );
}

/**
 * Runs caddy in the foreground with `siteBlock` (a Caddyfile site whose address is
 * `http://127.0.0.1:PORT`) under test-only global options: every socket on
 * 127.0.0.1, no admin endpoint, no automatic HTTPS, config autosave and storage in
 * a temporary directory.
 */
export async function startCaddy(siteBlock: string, port: number): Promise<Caddy> {
  const binary = caddyBinary();
  const dir = tempDir("frontdesk-caddy-");
  mkdirSync(join(dir, "data"));
  const caddyfile = join(dir, "Caddyfile");
  writeFileSync(
    caddyfile,
    `{
  admin off
  auto_https off
  default_bind 127.0.0.1
  grace_period 1s
  storage file_system ${join(dir, "data")}
  log {
    level WARN
  }
}

${siteBlock}
`,
  );
  const child: ChildProcess = spawn(binary, ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, "config"),
      XDG_DATA_HOME: join(dir, "data"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (d: Buffer) => {
    output += String(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`caddy exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(url, { redirect: "manual" });
      break;
    } catch {
      if (i >= 200) {
        child.kill("SIGKILL");
        throw new Error(`caddy did not listen on ${url}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
