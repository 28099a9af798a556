// Run: npm run build && FRONTDESK_ISSUER=http://localhost:3000 node examples/guard/hono.mjs
import { createVerifier } from "@frontdesk/guard";
import { honoGuard, requireScopes } from "@frontdesk/guard/hono";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const verifier = createVerifier({
  issuer: process.env.FRONTDESK_ISSUER ?? "http://localhost:3000",
  // Frontdesk's default audience is ISSUER/api (its `resources` setting).
  audience: process.env.API_AUDIENCE ?? `${process.env.FRONTDESK_ISSUER ?? "http://localhost:3000"}/api`,
});

// 127.0.0.1 unless HOST says otherwise (HOST=0.0.0.0 listens on every interface).
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 4000);

const app = new Hono();
app.use("/api/*", honoGuard(verifier));
app.get("/api/orders", requireScopes("orders:read"), (c) => c.json({ orders: [], for: c.get("auth").sub }));
serve({ fetch: app.fetch, port, hostname: host }, (info) =>
  console.log(`Hono API on http://${info.address}:${info.port}`),
);
