#!/usr/bin/env node
// Start-up of the built server under `node --cpu-prof`: time to the first 200 on discovery,
// idle RSS a second later, and where the start-up CPU time went (top frames and packages,
// by bench/tools/cpuprofile-top.mjs), plus every package whose code ran at all.
// Usage: node bench/tools/startup-profile.mjs [N top frames]   (after `npm run build`)
// Not a benchmark: one start, no pinning; for before/after comparisons on one machine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { FrontdeskInstance } from "../lib/frontdesk.mjs";
import { killAll, rssKb } from "../lib/proc.mjs";

const top = process.argv[2] ?? "25";
const profDir = mkdtempSync(join(tmpdir(), "frontdesk-startup-prof-"));
const fd = new FrontdeskInstance({ NODE_ENV: "production" });
try {
  await fd.serviceClient(); // migrated, keys made: a restart, as the startup scenario measures
  await fd.start({ nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=250"] });
  await sleep(1000);
  const rss = rssKb(fd.child.pid) / 1024;
  await fd.stop();
  const [file] = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written");
  const path = join(profDir, file);
  console.log(
    `start-up: ${fd.startupMs.toFixed(0)} ms to the first 200; idle RSS after 1 s: ${rss.toFixed(1)} MB\n`,
  );
  const summary = fileURLToPath(new URL("./cpuprofile-top.mjs", import.meta.url));
  console.log(execFileSync(process.execPath, [summary, path, top], { encoding: "utf8" }));
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const packages = new Set();
  for (const node of profile.nodes) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(node.callFrame.url ?? "");
    if (m) packages.add(m[1]);
  }
  console.log(
    `packages whose code ran during start-up (${packages.size}):\n  ${[...packages].sort().join(", ")}`,
  );
} finally {
  killAll();
  await fd.dispose();
  rmSync(profDir, { recursive: true, force: true });
}
