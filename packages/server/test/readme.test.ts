import { spawn } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "./helpers/http.js";
import { freePort, startTestServer, type TestServer, tempDir } from "./helpers/server.js";

const root = resolve(import.meta.dirname, "../../..");
const README = readFileSync(resolve(root, "README.md"), "utf8");
const MARKER = "### readme block ";

interface Block {
  line: number;
  code: string;
  skip?: string;
}

/** Every ```sh block of the README, with the reason when the line before says to skip it. */
function shellBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (a block inside a list item): the same indent closes them.
    const open = /^(\s*)```sh$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1] as string;
    const end = lines.indexOf(`${indent}\`\`\``, i + 1);
    const skip = /^\s*<!-- readme-test: skip \((.+)\) -->$/.exec(lines[i - 1] ?? "")?.[1];
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(indent.length))
      .join("\n");
    blocks.push({ line: i + 1, code, ...(skip ? { skip } : {}) });
    i = end;
  }
  return blocks;
}

/** Keys of the JSON the README says a block prints (`# {"access_token":…}`). */
function promisedKeys(code: string): string[] {
  return code
    .split("\n")
    .filter((l) => /^#\s*\{/.test(l.trim()))
    .flatMap((l) => [...l.matchAll(/"([a-z_]+)":/g)].map((m) => m[1] as string));
}

/**
 * A folder like the reader's checkout (this checkout's node_modules, so `npx frontdesk`
 * is the CLI built here), where the blocks' files (`frontdesk-admin.json`) can land.
 */
function readerFolder(): string {
  const dir = tempDir("frontdesk-readme-");
  writeFileSync(resolve(dir, "package.json"), '{ "name": "readme-reader", "private": true }\n');
  symlinkSync(resolve(root, "node_modules"), resolve(dir, "node_modules"));
  return dir;
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn("bash", ["-c", script], { cwd: readerFolder(), env });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    child.on("exit", (code) => done({ code, out }));
  });
}

describe("README command blocks run as pasted, in order, against a fresh server", () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    server = await startTestServer({ port, issuer: `http://localhost:${port}` });
  });
  afterAll(() => server.close());

  it("every block is run or says why not", () => {
    const blocks = shellBlocks(README);
    expect(blocks.length).toBeGreaterThan(8);
    const skipped = blocks.filter((b) => b.skip);
    expect(skipped.length).toBeLessThan(blocks.length / 2);
  });

  it("runs them", async () => {
    const blocks = shellBlocks(README).filter((b) => !b.skip);
    // The one step a person does by hand (sign in and Allow in a browser) is done by a
    // small browser that signs in as the README's alice and prints the code.
    const browser = resolve(import.meta.dirname, "helpers/readme-browser.mjs");
    const script = [
      "set -euo pipefail",
      ...blocks.map((b) =>
        [
          `echo '${MARKER}${b.line}'`,
          b.code
            .replaceAll("localhost:3000", `localhost:${port}`)
            .replace(
              "CODE='paste the code from the address bar'",
              `CODE=$(node ${JSON.stringify(browser)} "$AUTH_URL" alice 'correct horse battery staple')`,
            ),
        ].join("\n"),
      ),
    ].join("\n");
    const { code, out } = await bash(script, {
      ...cleanEnv(),
      FRONTDESK_DATA_DIR: server.dataDir,
      PATH: `${resolve(root, "node_modules/.bin")}:${process.env.PATH}`,
    });
    expect(code, out).toBe(0);
    const outputs = new Map(
      out
        .split(MARKER)
        .slice(1)
        .map((part) => [Number(part.slice(0, part.indexOf("\n"))), part.slice(part.indexOf("\n") + 1)]),
    );
    for (const block of blocks) {
      const printed = outputs.get(block.line) ?? "";
      for (const key of promisedKeys(block.code))
        expect(printed, `README line ${block.line}`).toContain(`"${key}":`);
      expect(printed, `README line ${block.line}`).not.toMatch(/"error":/);
    }
    expect(out).toContain('"preferred_username":"alice"');
  }, 60_000);
});
