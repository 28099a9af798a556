// Frontdesk under test: the built CLI, a temporary data directory, CLI-created clients and users.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort, spawnServer, stop, waitReady } from "./proc.mjs";

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(ROOT, "packages/server/dist/cli/main.js");

/** The Node options Frontdesk's own launcher (the `frontdesk` bin's shebang) runs with. */
export const LAUNCH_FLAGS = (() => {
  const shebang = existsSync(CLI) ? readFileSync(CLI, "utf8").split("\n", 1)[0] : "";
  const match = /^#!\/usr\/bin\/env -S node (.*)$/.exec(shebang);
  return match?.[1] ? match[1].trim().split(/\s+/) : [];
})();
export const SCOPE = "api:read";

export function assertBuilt() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

/** A Frontdesk data directory plus the environment every command against it uses. */
export class FrontdeskInstance {
  constructor(extraEnv = {}) {
    this.dataDir = mkdtempSync(join(tmpdir(), "frontdesk-bench-"));
    this.env = { FRONTDESK_LOG_LEVEL: "warn", FRONTDESK_SCOPES: SCOPE, ...extraEnv };
  }

  /** Runs a `--json` CLI command against the data directory; resolves to its JSON output. */
  async cli(...args) {
    const { stdout } = await run(process.execPath, [CLI, ...args, "--data-dir", this.dataDir, "--json"], {
      env: { ...process.env, ...this.env },
    });
    return JSON.parse(stdout.trim().split("\n").pop());
  }

  serviceClient() {
    return this.cli(
      "client",
      "create",
      "--name",
      "bench-service",
      "--grant-types",
      "client_credentials",
      "--scopes",
      SCOPE,
    );
  }

  webClient(redirectUri) {
    return this.cli(
      "client",
      "create",
      "--name",
      "bench-web",
      "--grant-types",
      "authorization_code",
      "--redirect-uri",
      redirectUri,
      "--scopes",
      `openid ${SCOPE}`,
      "--first-party",
    );
  }

  user(username, password) {
    return this.cli("user", "create", "--username", username, "--password", password);
  }

  /** Starts the server (pinned); resolves once discovery answers 200. */
  async start({ nodeFlags = [], port } = {}) {
    this.port = port ?? (await freePort());
    this.url = `http://127.0.0.1:${this.port}`;
    const startedAt = performance.now();
    this.child = spawnServer(
      [
        // As the `frontdesk` command runs it: its launcher's Node options, then the scenario's.
        ...LAUNCH_FLAGS,
        ...nodeFlags,
        CLI,
        "start",
        "--data-dir",
        this.dataDir,
        "--port",
        String(this.port),
        "--issuer",
        this.url,
      ],
      { env: this.env, name: "frontdesk" },
    );
    this.startupMs = await waitReady(this.child, `${this.url}/.well-known/openid-configuration`, {
      startedAt,
    });
    return this;
  }

  async stop() {
    await stop(this.child);
    this.child = undefined;
  }

  async dispose() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
