import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../helpers/server.js";

/** A throw-away three-node Redis Cluster (no replicas) on spare ports. */
export async function startRedisCluster(): Promise<{ url: string; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "frontdesk-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    execFileSync("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "yes",
    ]);
  }
  const cli = (port: number, ...args: string[]) =>
    spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "utf8" });
  for (const port of ports) {
    for (let i = 0; i < 100 && cli(port, "ping").stdout.trim() !== "PONG"; i++) spawnSync("sleep", ["0.05"]);
  }
  const created = spawnSync(
    "redis-cli",
    [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ],
    { encoding: "utf8" },
  );
  if (created.status !== 0) throw new Error(`cluster create failed: ${created.stdout}${created.stderr}`);
  for (const port of ports) {
    for (let i = 0; i < 200 && !cli(port, "cluster", "info").stdout.includes("cluster_state:ok"); i++)
      spawnSync("sleep", ["0.05"]);
  }
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    stop() {
      for (const port of ports) cli(port, "shutdown", "nosave");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
