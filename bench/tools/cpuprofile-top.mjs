#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, and
// self time per package / file. Usage: node bench/tools/cpuprofile-top.mjs FILE [N]
import { readFileSync } from "node:fs";

const [file, n = "30"] = process.argv.slice(2);
if (!file) {
  console.error("usage: cpuprofile-top.mjs FILE.cpuprofile [N]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(url) {
  if (!url) return "(native/vm)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith("node:")) return "node:internal";
  const p = /packages\/([^/]+)\/(?:dist|src)\/(.*)$/.exec(url);
  return p ? `@frontdesk/${p[1]}/${p[2]}` : url.replace(/^file:\/\//, "");
}

const fns = new Map();
const groups = new Map();
for (const [id, t] of self) {
  const { callFrame: cf } = byId.get(id);
  const key = `${cf.functionName || "(anonymous)"}  ${where(cf.url)}:${cf.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  const g = cf.url ? where(cf.url).replace(/^(@frontdesk\/[^/]+)\/.*/, "$1") : cf.functionName;
  groups.set(g, (groups.get(g) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms\n\ntop functions by self time:`);
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(t)}  ${k}`);
console.log("\nself time by package:");
for (const [k, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(t)}  ${k}`);
