// Run: npm run build && FRONTDESK_ISSUER=http://localhost:3000 node examples/guard/node-http.mjs
import { createServer } from "node:http";
import { createVerifier } from "@frontdesk/guard";
import { nodeGuard } from "@frontdesk/guard/node";

const verifier = createVerifier({
  issuer: process.env.FRONTDESK_ISSUER ?? "http://localhost:3000",
  // Frontdesk's default audience is ISSUER/api (its `resources` setting).
  audience: process.env.API_AUDIENCE ?? `${process.env.FRONTDESK_ISSUER ?? "http://localhost:3000"}/api`,
});

// 127.0.0.1 unless HOST says otherwise (HOST=0.0.0.0 listens on every interface).
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 4000);

const guard = nodeGuard(verifier);
const canRead = guard.requireScopes("orders:read");

createServer(async (req, res) => {
  const claims = await canRead(req, res); // answers 400/401/403 itself
  if (!claims) return;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ orders: [], for: claims.sub }));
}).listen(port, host, () => console.log(`node:http API on http://${host}:${port}`));
