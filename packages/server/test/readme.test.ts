import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectBlocksKeptTheirWord, ROOT, runBlocks, shellBlocks } from "./helpers/doc-blocks.js";
import { cleanEnv } from "./helpers/http.js";
import { freePort, startTestServer, type TestServer } from "./helpers/server.js";

const README = readFileSync(resolve(ROOT, "README.md"), "utf8");

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

  // Some thirty CLI invocations: a minute and more on a busy two-core machine.
  it("runs them", async () => {
    const blocks = shellBlocks(README);
    // The one step a person does by hand (sign in and Allow in a browser) is done by a
    // small browser that signs in as the README's alice and prints the code.
    const browser = resolve(import.meta.dirname, "helpers/readme-browser.mjs");
    const run = await runBlocks(blocks, {
      env: { ...cleanEnv(), FRONTDESK_DATA_DIR: server.dataDir },
      rewrite: (code) =>
        code
          .replaceAll("localhost:3000", `localhost:${port}`)
          .replace(
            "CODE='paste the code from the address bar'",
            `CODE=$(node ${JSON.stringify(browser)} "$AUTH_URL" alice 'correct horse battery staple')`,
          ),
    });
    expectBlocksKeptTheirWord("README", blocks, run);
    expect(run.out).toContain('"preferred_username":"alice"');
  }, 180_000);
});
