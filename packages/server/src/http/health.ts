import type { FastifyInstance } from "fastify";
import type { Context } from "../context.js";

/** `/healthz`: the process is alive. `/readyz`: both stores answer. */
export function registerHealth(app: FastifyInstance, ctx: Context): void {
  app.get("/healthz", async (_request, reply) =>
    reply.header("cache-control", "no-store").send({ status: "ok" }),
  );
  app.get("/readyz", async (_request, reply) => {
    const [durable, fast] = await Promise.allSettled([ctx.durable.ping(), ctx.fast.ping()]);
    const ok = durable.status === "fulfilled" && fast.status === "fulfilled";
    return reply
      .code(ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({
        status: ok ? "ready" : "unavailable",
        durable: durable.status === "fulfilled" ? "ok" : "unreachable",
        fast: fast.status === "fulfilled" ? "ok" : "unreachable",
      });
  });
}
