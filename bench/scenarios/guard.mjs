// 5. Guard verification of an ES256 access token in-process (ops/s), against raw
// node:crypto signature verification and jose's jwtVerify alone.
import { fileURLToPath } from "node:url";
import { versionOf } from "../lib/env.mjs";
import { spawnServer } from "../lib/proc.mjs";
import { compare } from "../lib/report.mjs";
import { median } from "../lib/stats.mjs";

export const id = "guard";
export const title = "guard ES256 verification in-process";

export async function run(h) {
  const worker = fileURLToPath(new URL("./guard-worker.mjs", import.meta.url));
  const child = spawnServer([worker, String(h.settings.microDuration), String(h.settings.runs)], {
    name: "guard-worker",
  });
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`guard worker failed:\n${child.output()}`);
  const runs = JSON.parse(child.output().trim().split("\n").pop());
  const ops = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  const jose = `jose ${versionOf("jose")} jwtVerify`;
  const rows = [
    {
      scenario: id,
      case: "verify 1 token",
      system: "guard",
      unit: "ops/s",
      value: ops.guard,
      runs: runs.guard,
    },
    {
      scenario: id,
      case: "verify 1 token",
      system: "guard, cache off",
      unit: "ops/s",
      value: ops.guardNoCache,
      runs: runs.guardNoCache,
    },
    {
      scenario: id,
      case: "verify 1 token",
      system: "node:crypto verify",
      unit: "ops/s",
      value: ops.raw,
      runs: runs.raw,
    },
    { scenario: id, case: "verify 1 token", system: jose, unit: "ops/s", value: ops.jose, runs: runs.jose },
    {
      scenario: id,
      case: "DPoP token + proof",
      system: "guard",
      unit: "ops/s",
      value: ops.guardDpop,
      runs: runs.guardDpop,
    },
    {
      scenario: id,
      case: "DPoP token + proof",
      system: "node:crypto verify x2",
      unit: "ops/s",
      value: ops.rawDpop,
      runs: runs.rawDpop,
    },
  ];
  const comparisons = [
    {
      ...compare(id, "verify 1 token", "ops/s", ops.guard, ops.raw, "node:crypto", { min: 0.8 }),
      subject: "guard",
    },
    { ...compare(id, "verify 1 token", "ops/s", ops.guard, ops.jose, "jose"), subject: "guard" },
    {
      ...compare(id, "verify 1 token", "ops/s", ops.guardNoCache, ops.raw, "node:crypto", { min: 0.9 }),
      subject: "guard, cache off",
    },
    {
      ...compare(id, "verify 1 token", "ops/s", ops.guardNoCache, ops.jose, "jose"),
      subject: "guard, cache off",
    },
    {
      ...compare(id, "DPoP token + proof", "ops/s", ops.guardDpop, ops.rawDpop, "node:crypto verify x2"),
      subject: "guard",
    },
  ];
  return { rows, comparisons };
}
