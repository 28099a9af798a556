import type { FastifyInstance } from "fastify";

/**
 * Endpoints a browser-based (public) client calls from its own origin (each feature
 * names its own, see the registry's `corsPaths`). None of them reads a cookie, so any origin may call them: `*`, never with credentials. Pages,
 * the account area, forward-auth and introspection are not listed and stay same-origin.
 */
export function registerCors(app: FastifyInstance, openPaths: Iterable<string>): void {
  const open = new Set(openPaths);
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?", 1)[0] as string;
    if (!open.has(path) || request.headers.origin === undefined) return;
    reply.header("access-control-allow-origin", "*");
    reply.header("access-control-expose-headers", "www-authenticate, dpop-nonce");
    if (request.method === "OPTIONS") {
      return reply
        .code(204)
        .header("access-control-allow-methods", "GET, POST")
        .header("access-control-allow-headers", "authorization, content-type, dpop")
        .header("access-control-max-age", "600")
        .send();
    }
  });
  // Preflights need a route to reach the hook above; anything else is a 404 as before.
  for (const path of open) app.options(path, async (_request, reply) => reply.code(404).send());
}
