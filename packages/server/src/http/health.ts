import type { FastifyInstance } from "fastify";
import type { DurableStore } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";

/** A readiness probe must answer even when a store hangs. */
const PING_TIMEOUT_MS = 2_000;

function within(ms: number, check: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("ping timed out")), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz`: the process is alive. `/readyz`: both stores answer; otherwise 503
 * naming the unreachable ones (`"unreachable": ["postgres"]`).
 */
export function registerHealth(app: FastifyInstance, ctx: { durable: DurableStore; fast: FastStore }): void {
  app.get("/healthz", async (_request, reply) =>
    reply.header("cache-control", "no-store").send({ status: "ok" }),
  );
  app.get("/readyz", async (_request, reply) => {
    const [durable, fast] = await Promise.allSettled([
      within(PING_TIMEOUT_MS, ctx.durable.ping()),
      within(PING_TIMEOUT_MS, ctx.fast.ping()),
    ]);
    const unreachable = [
      ...(durable.status === "rejected" ? [ctx.durable.kind] : []),
      ...(fast.status === "rejected" ? [ctx.fast.kind] : []),
    ];
    const ok = unreachable.length === 0;
    return reply
      .code(ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({
        status: ok ? "ready" : "unavailable",
        durable: durable.status === "fulfilled" ? "ok" : "unreachable",
        fast: fast.status === "fulfilled" ? "ok" : "unreachable",
        ...(ok ? {} : { unreachable }),
      });
  });
}
