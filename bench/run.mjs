#!/usr/bin/env node
// `npm run bench`: Frontdesk side by side with peers. See bench/README.md.
//   BENCH_QUICK=1          smoke run (short runs; numbers not meaningful)
//   BENCH_ONLY=token,guard run only these scenarios
//   BENCH_DURATION, BENCH_WARMUP, BENCH_RUNS, BENCH_MICRO_DURATION, BENCH_STARTS, BENCH_REDIS_URL, BENCH_NO_PIN=1,
//   BENCH_GROWTH_ROWS, BENCH_POSTGRES_URL
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeRun, machine, pinning, pinSelf, settings, versionOf } from "./lib/env.mjs";
import { assertBuilt } from "./lib/frontdesk.mjs";
import { startOauthPair } from "./lib/oauth-pair.mjs";
import { killAll } from "./lib/proc.mjs";
import { formatTable } from "./lib/report.mjs";
import * as documents from "./scenarios/documents.mjs";
import * as dpopToken from "./scenarios/dpop-token.mjs";
import * as flow from "./scenarios/flow.mjs";
import * as growth from "./scenarios/growth.mjs";
import * as guard from "./scenarios/guard.mjs";
import * as introspection from "./scenarios/introspection.mjs";
import * as session from "./scenarios/session.mjs";
import * as startup from "./scenarios/startup.mjs";
import * as token from "./scenarios/token.mjs";

const scenarios = [token, dpopToken, introspection, documents, session, guard, flow, startup, growth];

process.on("SIGINT", () => {
  killAll();
  process.exit(130);
});
process.on("exit", killAll);

async function main() {
  assertBuilt();
  pinSelf();
  const versions = Object.fromEntries(
    [
      "oidc-provider",
      "express",
      "express-session",
      "connect-redis",
      "redis",
      "jose",
      "autocannon",
      "fastify",
    ].map((p) => [p, versionOf(p)]),
  );
  const header = [
    ...describeRun(),
    `peers: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  ];
  console.log(header.join("\n"));

  const selected = scenarios.filter((s) => settings.only.length === 0 || settings.only.includes(s.id));
  let pair;
  const h = {
    settings,
    async oauthPair() {
      pair ??= await startOauthPair();
      return pair;
    },
  };
  const rows = [];
  const comparisons = [];
  const notes = [];
  const failures = [];
  for (const s of selected) {
    const t0 = performance.now();
    process.stdout.write(`\n> ${s.id}: ${s.title} ... `);
    try {
      const r = await s.run(h);
      if (r.skipped) {
        notes.push(`${s.id}: skipped: ${r.skipped}`);
        console.log(`skipped (${r.skipped})`);
        continue;
      }
      rows.push(...r.rows);
      comparisons.push(...r.comparisons);
      notes.push(...(r.notes ?? []));
      console.log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } catch (error) {
      failures.push({ scenario: s.id, error: error.stack ?? String(error) });
      console.log(`FAILED\n${error.stack ?? error}`);
    }
    // The shared Frontdesk/oidc-provider pair serves the first four scenarios only.
    if (pair && !["token", "dpop-token", "introspection"].includes(s.id)) {
      await pair.stop();
      pair = undefined;
    }
  }
  if (pair) await pair.stop();

  console.log(`\n${formatTable(rows, comparisons)}\n`);
  const targets = comparisons.filter((c) => c.target);
  if (targets.length) {
    console.log("targets:");
    for (const c of targets)
      console.log(
        `  ${c.met ? "met   " : "MISSED"} ${c.scenario} ${c.case}: ${c.ratio.toFixed(2)}x vs ${c.peerName} ` +
          `(${c.target.min !== undefined ? `>= ${c.target.min}x` : `< ${c.target.max}x`})`,
      );
  }
  for (const n of notes) console.log(`note: ${n}`);
  for (const f of failures) console.log(`FAILED: ${f.scenario}`);

  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, "-")}${settings.quick ? "-quick" : ""}.json`;
  const report = {
    date: new Date().toISOString(),
    machine,
    pinning,
    settings,
    versions,
    rows,
    comparisons,
    notes,
    failures,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
  if (failures.length) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  killAll();
  process.exit(1);
});
