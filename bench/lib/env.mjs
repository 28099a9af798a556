// Machine description, run settings (durations, runs) and CPU pinning.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

const require = createRequire(import.meta.url);

function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    return line ? line.split(":")[1].trim() : os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model ?? "unknown";
  }
}

function hasTaskset() {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Version of an installed package, read from node_modules at run time. */
export function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    // Packages whose "exports" hide package.json: walk up from the entry point.
    try {
      const entry = require.resolve(name);
      const root = entry.slice(
        0,
        entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length,
      );
      return JSON.parse(readFileSync(`${root}package.json`, "utf8")).version;
    } catch {
      return "unknown";
    }
  }
}

const cores = os.availableParallelism?.() ?? os.cpus().length;
const quick = process.env.BENCH_QUICK === "1";
const num = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** Server on core 0, load generator on core 1 when the machine has >= 2 cores and taskset. */
export const pinning =
  process.env.BENCH_NO_PIN !== "1" && cores >= 2 && hasTaskset()
    ? { enabled: true, serverCore: "0", loadCore: "1" }
    : { enabled: false };

export const settings = {
  quick,
  /** Seconds of each measured load run. */
  duration: num("BENCH_DURATION", quick ? 1 : 6),
  /** Seconds of warm-up load before the measured runs. */
  warmup: num("BENCH_WARMUP", quick ? 1 : 3),
  /** Measured runs per case (the median is reported). */
  runs: Math.max(3, num("BENCH_RUNS", 3)),
  /** Seconds per in-process micro-benchmark run. */
  microDuration: num("BENCH_MICRO_DURATION", quick ? 0.5 : 2),
  /** Start-ups measured per server in the start-up/memory scenario. */
  starts: num("BENCH_STARTS", quick ? 3 : 5),
  /** Only these scenarios (comma-separated ids), default all. */
  only: (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
  redisUrl: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  /** Stored records of the larger Frontdesk in the growth scenario (the smaller holds 1,000). */
  growthRows: num("BENCH_GROWTH_ROWS", 1_000_000),
};

export const machine = {
  node: process.version,
  cpu: cpuModel(),
  cores,
  platform: `${os.platform()} ${os.release()}`,
};

/** Pins this process (all its threads; later threads inherit) to the load-generator core. */
export function pinSelf() {
  if (!pinning.enabled) return;
  execFileSync("taskset", ["-a", "-p", "-c", pinning.loadCore, String(process.pid)], { stdio: "ignore" });
}

/** Command and arguments that run `args` pinned to the server core (or unpinned). */
export function serverCommand(args) {
  return pinning.enabled
    ? { cmd: "taskset", args: ["-c", pinning.serverCore, process.execPath, ...args] }
    : { cmd: process.execPath, args };
}

export function describeRun() {
  return [
    `node ${machine.node}, ${machine.cpu}, ${machine.cores} cores, ${machine.platform}`,
    pinning.enabled
      ? `pinning: servers and micro-benchmarks on core ${pinning.serverCore}, load generator on core ${pinning.loadCore} (taskset)`
      : "pinning: none (needs >= 2 cores and taskset)",
    `load runs: ${settings.runs} x ${settings.duration}s after ${settings.warmup}s warm-up, median reported; ` +
      `micro: ${settings.runs} x ${settings.microDuration}s; start-ups: ${settings.starts} per server` +
      (settings.quick ? " (BENCH_QUICK=1: smoke run, numbers not meaningful)" : ""),
  ];
}
