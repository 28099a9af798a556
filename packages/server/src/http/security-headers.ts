import type { FastifyInstance } from "fastify";

/** Headers every response carries: no framing, no sniffing, no referrer leaks. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  // While shutting down, answers close their connection, so keep-alive clients let go
  // and a graceful stop does not wait out the keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
    if (!reply.hasHeader("content-security-policy"))
      reply.header("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    return payload;
  });
}
