import type { FastifyInstance } from "fastify";
import type { Context } from "../../context.js";
import { metadata } from "./metadata.js";

/** `/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`: one document. */
export function registerDiscovery(app: FastifyInstance, ctx: Context): void {
  const body = JSON.stringify(metadata(ctx.config));
  const send = async (_req: unknown, reply: import("fastify").FastifyReply) =>
    reply
      .header("content-type", "application/json")
      .header("cache-control", "public, max-age=300")
      .send(body);
  app.get("/.well-known/openid-configuration", send);
  app.get("/.well-known/oauth-authorization-server", send);
}
