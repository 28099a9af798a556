import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDpopProof, type DpopKey, generateDpopKey } from "../src/dpop/index.js";
import { cnfOf, makeKey, mint, redisTestPrefix } from "./helpers.js";

// Two instances of one service, each its own process with its own Redis connection, behind one public URL
// (as behind a load balancer). The named regression: a per-process replay cache lets a proof accepted by
// one instance be replayed against the other; a shared one (Redis SET NX) does not.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./fixtures/dpop-guard-process.mjs", import.meta.url));
const REDIS_URL = "redis://127.0.0.1:6379";
const ISSUER = "https://issuer.test";
const PUBLIC_URL = "https://orders.test";
const prefix = redisTestPrefix("guard-dpop-fleet");

let work: string;
let holder: DpopKey;
let token: string;
const children: ChildProcess[] = [];
const fleets: Record<"redis" | "memory", string[]> = { redis: [], memory: [] };

async function startInstance(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const line = await Promise.race([
    once(child.stdout as NodeJS.ReadableStream, "data").then(([data]) => String(data)),
    once(child, "exit").then(([code]) => Promise.reject(new Error(`guard process exited ${code}`))),
  ]);
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "frontdesk-guard-fleet-"));
  // The guard as JavaScript, importing jose and ioredis from this checkout's node_modules.
  execFileSync(join(ROOT, "node_modules/.bin/tsc"), [
    ...["-p", join(ROOT, "packages/guard/tsconfig.json"), "--outDir", join(work, "guard")],
    ...["--composite", "false", "--incremental", "false", "--declaration", "false", "--sourceMap", "false"],
  ]);
  writeFileSync(join(work, "package.json"), '{ "type": "module" }\n');
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(work, "node_modules"));
  const key = await makeKey();
  holder = await generateDpopKey();
  token = await mint(key, ISSUER, { aud: PUBLIC_URL, sub: "svc", cnf: await cnfOf(holder) });
  const env = {
    GUARD_DIST: join(work, "guard"),
    ISSUER,
    AUDIENCE: PUBLIC_URL,
    JWKS: JSON.stringify({ keys: [key.jwk] }),
    PUBLIC_URL,
    REDIS_URL,
    REDIS_PREFIX: prefix,
  };
  for (const replay of ["redis", "memory"] as const)
    fleets[replay] = await Promise.all([1, 2].map(() => startInstance({ ...env, REPLAY: replay })));
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }),
  );
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  await admin.quit();
  if (work) rmSync(work, { recursive: true, force: true });
});

const headers = async () => ({
  authorization: `DPoP ${token}`,
  dpop: await createDpopProof(holder, { method: "GET", url: `${PUBLIC_URL}/orders`, accessToken: token }),
});
const call = async (base: string, h: Record<string, string>) => {
  const res = await fetch(`${base}/orders`, { headers: h });
  return { status: res.status, body: (await res.json()) as { error?: string; pid?: number } };
};

describe("DPoP replay across two guard processes", () => {
  it("a proof accepted by one instance is refused by the other when they share Redis", async () => {
    const [a, b] = fleets.redis as [string, string];
    const h = await headers();
    const first = await call(a, h);
    expect(first.status).toBe(200);
    const replay = await call(b, h);
    expect(replay).toEqual({
      status: 401,
      body: { error: "invalid_dpop_proof", error_description: "DPoP proof replayed" },
    });
    expect((await call(b, await headers())).status).toBe(200); // a fresh proof still works there
  });

  it("of copies of one proof sent to both instances at once, exactly one is accepted", async () => {
    const [a, b] = fleets.redis as [string, string];
    for (let round = 0; round < 5; round++) {
      const h = await headers();
      const answers = await Promise.all([a, b, a, b].map((base) => call(base, h)));
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
    }
  });

  it("control: per-process memory caches let the same proof through on each instance", async () => {
    const [a, b] = fleets.memory as [string, string];
    const h = await headers();
    const answers = [await call(a, h), await call(b, h)];
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(answers[0]?.body.pid).not.toBe(answers[1]?.body.pid);
  });
});
