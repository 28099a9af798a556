import { execFileSync, spawnSync } from "node:child_process";
import { freePort } from "../../helpers/server.js";

/** A throw-away redis-server on a spare port that a test may shut down and start again. */
export interface TestRedis {
  port: number;
  url: string;
  start(): void;
  stop(): void;
}

export async function spareRedis(): Promise<TestRedis> {
  const port = await freePort();
  const cli = (...args: string[]) =>
    spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "utf8" });
  const waitFor = (alive: boolean) => {
    for (let i = 0; i < 100; i++) {
      if ((cli("ping").stdout.trim() === "PONG") === alive) return;
      spawnSync("sleep", ["0.05"]);
    }
    throw new Error(`redis on ${port} did not ${alive ? "start" : "stop"}`);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start() {
      execFileSync("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "yes",
      ]);
      waitFor(true);
    },
    stop() {
      cli("shutdown", "nosave");
      waitFor(false);
    },
  };
}
