// Run: npm run build && FRONTDESK_ISSUER=http://localhost:3000 node examples/guard/express.mjs
import { createVerifier } from "@frontdesk/guard";
import { expressGuard, requireScopes } from "@frontdesk/guard/express";
import express from "express";

const verifier = createVerifier({
  issuer: process.env.FRONTDESK_ISSUER ?? "http://localhost:3000",
  // Frontdesk's default audience is ISSUER/api (its `resources` setting).
  audience: process.env.API_AUDIENCE ?? `${process.env.FRONTDESK_ISSUER ?? "http://localhost:3000"}/api`,
});

// 127.0.0.1 unless HOST says otherwise (HOST=0.0.0.0 listens on every interface).
const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 4000);

const app = express();
app.use("/api", expressGuard(verifier));
app.get("/api/orders", requireScopes("orders:read"), (req, res) => {
  res.json({ orders: [], for: req.auth.sub });
});
app.listen(port, host, () => console.log(`Express API on http://${host}:${port}`));
