// Spawning pinned server processes, waiting for readiness, reading their memory, stopping them.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { serverCommand } from "./env.mjs";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set();

/**
 * Starts `node <args>` pinned to the server core. Output is kept (last 64 KiB) for error
 * messages; `child.output()` returns it.
 */
export function spawnServer(args, { env = {}, name = "server" } = {}) {
  const { cmd, args: full } = serverCommand(args);
  const child = spawn(cmd, full, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d) => {
    out = (out + d.toString()).slice(-65536);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.name = name;
  child.output = () => out;
  child.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** One GET; resolves to the status code (0 on connection error). */
export function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/**
 * Polls `url` until it answers 200; resolves to milliseconds since `startedAt`
 * (a `performance.now()` value). Rejects if the process exits or on timeout.
 */
export async function waitReady(
  child,
  url,
  { startedAt = performance.now(), timeoutMs = 30000, every = 5 } = {},
) {
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  while (performance.now() - startedAt < timeoutMs) {
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    if ((await httpStatus(url, 1000)) === 200) return performance.now() - startedAt;
    await sleep(every);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms:\n${child.output()}`);
}

/** Resident set size of a process in KiB (VmRSS from /proc/PID/status). */
export function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Kills every server still running (on errors and Ctrl-C). */
export function killAll() {
  for (const child of running) child.kill("SIGKILL");
}
