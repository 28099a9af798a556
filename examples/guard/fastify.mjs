// Run: npm run build && FRONTDESK_ISSUER=http://localhost:3000 node examples/guard/fastify.mjs
import { createVerifier } from "@frontdesk/guard";
import { frontdeskGuard, requireScopes } from "@frontdesk/guard/fastify";
import Fastify from "fastify";

const verifier = createVerifier({
  issuer: process.env.FRONTDESK_ISSUER ?? "http://localhost:3000",
  // Frontdesk's default audience is ISSUER/api (its `resources` setting).
  audience: process.env.API_AUDIENCE ?? `${process.env.FRONTDESK_ISSUER ?? "http://localhost:3000"}/api`,
});

// 127.0.0.1 unless HOST says otherwise (HOST=0.0.0.0 listens on every interface).
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 4000);

const app = Fastify();
await app.register(frontdeskGuard, { verifier }); // every route below needs a valid token
app.get("/api/orders", { preHandler: requireScopes("orders:read") }, async (request) => ({
  orders: [],
  for: request.auth.sub,
}));
await app.listen({ port, host });
console.log(`Fastify API on http://${host}:${port}`);
