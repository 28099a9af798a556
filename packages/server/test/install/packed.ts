import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, tempDir } from "../helpers/server.js";
import { answersWithin, type NodeLine, nodeLine, run, stopsAnsweringWithin, userEnv } from "./helpers.js";

const root = resolve(import.meta.dirname, "../../../..");
const PACKAGES = ["packages/server", "packages/guard"];
const EXAMPLE = "node-http.mjs"; // imports only @frontdesk/guard and @frontdesk/guard/node

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** What a user's project looks like: its own package.json, allowing better-sqlite3 to build (README "Install"). */
const USER_PACKAGE = {
  name: "frontdesk-install-test",
  private: true,
  allowScripts: { "better-sqlite3": true },
};

function exportsOf(dir: string): Record<string, string | Record<string, string>> {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).exports;
}

/**
 * Both packages as a user gets them: `npm pack` (what `npm publish` uploads), installed
 * into an empty project, run through `npx`. Catches a missing `files` entry, a wrong
 * `exports` or `bin`, and a runtime import of a devDependency.
 *
 * One test file a Node line (packed-*.test.ts), so that the lines' installs (each builds
 * better-sqlite3 from source: a minute or more) run side by side on the test workers.
 */
export function describePackedInstall(line: NodeLine): void {
  describe(`the packed packages, installed into an empty project, on Node ${line}`, () => {
    let env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv = userEnv;
    let work: string;
    let app: string;
    let dataDir: string;
    let packed: Packed[];
    let server: ChildProcess | undefined;
    let serverOutput = "";
    let guard: ChildProcess | undefined;
    let issuer: string;

    beforeAll(async () => {
      for (const file of ["packages/server/dist/cli/main.js", "packages/guard/dist/index.js"])
        if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
      env = await nodeLine(line);
      work = tempDir("frontdesk-install-");
      const packs = join(work, "packs");
      app = join(work, "app");
      dataDir = join(work, "data");
      mkdirSync(packs);
      mkdirSync(app);

      const pack = await run(
        "npm",
        [
          "pack",
          ...PACKAGES.flatMap((p) => ["--workspace", p]),
          "--pack-destination",
          packs,
          "--json",
          "--silent",
        ],
        { cwd: root },
      );
      packed = JSON.parse(pack.stdout) as Packed[];
      writeFileSync(join(app, "package.json"), `${JSON.stringify(USER_PACKAGE, null, 2)}\n`);
      // better-sqlite3 compiles from source when no prebuilt binary downloads: minutes, not seconds.
      const install = await run(
        "npm",
        [
          "install",
          ...packed.map((p) => join(packs, p.filename)),
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
        ],
        { cwd: app, env: env(), timeoutMs: 300_000 },
      );
      console.info(
        `Node ${line}: npm pack ${pack.seconds.toFixed(1)} s, npm install ${install.seconds.toFixed(1)} s`,
      );
      const version = (await run("node", ["--version"], { cwd: app, env: env() })).stdout.trim();
      if (line !== "of this machine") expect(version.startsWith(`v${line}.`), version).toBe(true);
      expect(`${install.stdout}${install.stderr}`).not.toMatch(/not yet covered by allowScripts/);

      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      const started = Date.now();
      server = spawn(
        "npx",
        ["frontdesk", "start", "--port", String(port), "--data-dir", dataDir, "--issuer", issuer],
        { cwd: app, env: env({ FRONTDESK_LOG_LEVEL: "info" }) },
      );
      server.stdout?.on("data", (d) => {
        serverOutput += d;
      });
      server.stderr?.on("data", (d) => {
        serverOutput += d;
      });
      if (!(await answersWithin(`${issuer}/healthz`, 30_000)))
        throw new Error(`npx frontdesk start did not answer /healthz:\n${serverOutput}`);
      console.info(`npx frontdesk start: healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, 480_000);

    afterAll(async () => {
      guard?.kill("SIGKILL");
      // The CLI stops itself once its npm launcher is gone.
      if (server && server.exitCode === null) server.kill("SIGKILL");
      if (issuer) await stopsAnsweringWithin(`${issuer}/healthz`, 5_000);
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it("each tarball holds package.json, LICENSE and dist only (no sources, no tests)", () => {
      expect(packed.map((p) => p.name).sort()).toEqual(["@frontdesk/guard", "@frontdesk/server"]);
      for (const p of packed) {
        const paths = p.files.map((f) => f.path);
        expect(paths.filter((f) => !/^(dist\/|package\.json$|LICENSE$|README\.md$)/.test(f))).toEqual([]);
        expect(paths).toContain("dist/index.js");
        expect(paths).toContain("dist/index.d.ts");
      }
      expect(packed.find((p) => p.name === "@frontdesk/server")?.files.map((f) => f.path)).toContain(
        "dist/cli/main.js",
      );
    });

    it("every export of both packages loads in the user's project, and its types file is there", async () => {
      const specifiers: string[] = [];
      for (const dir of PACKAGES) {
        const name = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).name as string;
        for (const [subpath, target] of Object.entries(exportsOf(join(root, dir)))) {
          if (subpath === "./package.json") continue;
          specifiers.push(`${name}${subpath.slice(1)}`);
          if (typeof target === "object" && target.types)
            expect(
              existsSync(join(app, "node_modules", name, target.types)),
              `${name} ${subpath} types`,
            ).toBe(true);
        }
      }
      writeFileSync(
        join(app, "entries.mjs"),
        `const out = {};
for (const name of ${JSON.stringify(specifiers)}) out[name] = Object.keys(await import(name));
console.log(JSON.stringify(out));\n`,
      );
      const { stdout } = await run("node", ["entries.mjs"], { cwd: app, env: env() });
      const loaded = JSON.parse(stdout) as Record<string, string[]>;
      expect(Object.keys(loaded).sort()).toEqual([...specifiers].sort());
      expect(loaded["@frontdesk/server"]).toEqual(expect.arrayContaining(["startServer", "loadConfig"]));
      expect(loaded["@frontdesk/guard"]).toContain("createVerifier");
      expect(loaded["@frontdesk/guard/node"]).toContain("nodeGuard");
    });

    it("`npx frontdesk start` serves /healthz and /.well-known/openid-configuration", async () => {
      const health = await fetch(`${issuer}/healthz`);
      expect(health.status).toBe(200);
      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(await discovery.json()).toMatchObject({ issuer, jwks_uri: `${issuer}/jwks` });
    });

    it(`examples/guard/${EXAMPLE}, copied into the project, accepts a token the installed server issued`, async () => {
      copyFileSync(join(root, "examples/guard", EXAMPLE), join(app, EXAMPLE));
      const port = await freePort();
      const api = `http://127.0.0.1:${port}/api/orders`;
      let output = "";
      guard = spawn("node", [EXAMPLE], {
        cwd: app,
        env: env({ FRONTDESK_ISSUER: issuer, PORT: String(port) }),
      });
      guard.stdout?.on("data", (d) => {
        output += d;
      });
      guard.stderr?.on("data", (d) => {
        output += d;
      });
      const client = JSON.parse(
        (
          await run(
            "npx",
            [
              "frontdesk",
              "client",
              "create",
              "--name",
              "orders reader",
              "--grant-types",
              "client_credentials",
              "--scopes",
              "orders:read",
              "--data-dir",
              dataDir,
              "--json",
            ],
            { cwd: app, env: env() },
          )
        ).stdout,
      ) as { client_id: string; client_secret: string };
      const tokenResponse = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials&scope=orders:read",
      });
      expect(tokenResponse.status).toBe(200);
      const { access_token } = (await tokenResponse.json()) as { access_token: string };

      const deadline = Date.now() + 10_000;
      let refused: Response | undefined;
      while (!refused && guard.exitCode === null && Date.now() < deadline) {
        refused = await fetch(api).catch(() => undefined);
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      expect(refused?.status, output).toBe(401);
      const served = await fetch(api, { headers: { authorization: `Bearer ${access_token}` } });
      expect(served.status, output).toBe(200);
      expect(await served.json()).toEqual({ orders: [], for: client.client_id });
    });

    it("SIGTERM to the npx launcher stops the server gracefully", async () => {
      const exited = new Promise<void>((r) => server?.once("exit", () => r()));
      server?.kill("SIGTERM");
      await exited;
      expect(await stopsAnsweringWithin(`${issuer}/healthz`, 10_000), serverOutput).toBe(true);
      expect(serverOutput).toContain("shutting down");
    });
  });
}

/** The test file that runs `describePackedInstall(line)`. */
export function packedTestFile(line: NodeLine): string {
  return `packed-${line === "of this machine" ? "this-machine" : `node${line}`}.test.ts`;
}
