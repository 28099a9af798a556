import type { FastifyInstance, FastifyReply } from "fastify";
import { FAVICON } from "../pages/favicon.js";
import { FAVICON_PATH, STYLESHEET_PATH } from "../pages/layout.js";
import { STYLESHEET } from "../pages/stylesheet.js";

const icon = async (_request: unknown, reply: FastifyReply) =>
  reply
    .header("content-type", "image/svg+xml")
    .header("cache-control", "public, max-age=86400")
    .send(FAVICON);

export function registerAssets(app: FastifyInstance): void {
  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(STYLESHEET),
  );
  app.get(FAVICON_PATH, icon);
  // Browsers ask for /favicon.ico on their own (before or without reading a page's <link rel="icon">).
  app.get("/favicon.ico", icon);
}
