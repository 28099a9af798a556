import type { FastifyInstance } from "fastify";
import { STYLESHEET_PATH } from "../pages/layout.js";
import { STYLESHEET } from "../pages/stylesheet.js";

export function registerAssets(app: FastifyInstance): void {
  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(STYLESHEET),
  );
}
