import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRevocationFeed } from "../../../guard/src/index.js";
import { docSnippet, fillPlaceholders } from "../helpers/doc-snippets.js";
import { CLI, cleanEnv } from "../helpers/http.js";
import { type ServerProcess, startServerProcess } from "../helpers/process.js";
import { freePort, tempDir } from "../helpers/server.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Runs a shell snippet of docs/guard.md as pasted, in the repository root, with
 * only the placeholders replaced (Frontdesk's http://localhost:3000 and the
 * example's 127.0.0.1:4000). `npx frontdesk` is this checkout's built CLI on the
 * test server's data directory; `after` runs once the snippet is done.
 */
function runSnippet(
  script: string,
  dataDir: string,
  after = "",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const prelude = `set -eu
npx() { if [ "$1" = frontdesk ]; then shift; node "$FRONTDESK_CLI" "$@"; else echo "unexpected npx $*" >&2; return 1; fi; }
`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `${prelude}${script}\n${after}`], {
      cwd: ROOT,
      env: cleanEnv({ FRONTDESK_CLI: CLI, FRONTDESK_DATA_DIR: dataDir }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("docs/guard.md's shell commands run as pasted", () => {
  const dataDir = tempDir();
  let server: ServerProcess;
  let example: ChildProcess;
  let api: string;

  beforeAll(async () => {
    server = await startServerProcess({ dataDir });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    example = spawn(process.execPath, [`${ROOT}examples/guard/node-http.mjs`], {
      env: { ...cleanEnv(), FRONTDESK_ISSUER: server.url, PORT: String(port) },
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`${api}/api/orders`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  afterAll(async () => {
    example?.kill();
    expect(await server?.stop()).toBe(0);
  });

  it("gets a token with the example's scope (orders:read) and calls the example with it", async () => {
    const script = fillPlaceholders(docSnippet("guard.md", "example-token"), {
      "http://localhost:3000": server.url,
      "http://127.0.0.1:4000": api,
    });
    const result = await runSnippet(script, dataDir, 'echo; echo "$CLIENT_ID"');
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [answer, clientId] = result.stdout.trim().split("\n");
    expect(JSON.parse(answer as string)).toEqual({ orders: [], for: clientId });
  });

  it("registers the revocation feed's client, whose exported id and secret the HTTP feed accepts", async () => {
    const script = fillPlaceholders(docSnippet("guard.md", "feed-client"), {
      "http://localhost:3000": server.url,
    });
    const result = await runSnippet(
      script,
      dataDir,
      "echo; node -p 'JSON.stringify({ id: process.env.FEED_CLIENT_ID, secret: process.env.FEED_SECRET })'",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [first, exported] = result.stdout.trim().split("\n");
    expect(JSON.parse(first as string)).toMatchObject({ events: [], reset: true });
    const { id, secret } = JSON.parse(exported as string) as { id: string; secret: string };
    const feed = httpRevocationFeed({ issuer: server.url, clientId: id, clientSecret: secret, wait: 1 });
    try {
      await feed.ready;
    } finally {
      await feed.close();
    }
  });
});
