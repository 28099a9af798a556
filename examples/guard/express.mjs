// Run: npm run build && FRONTDESK_ISSUER=http://localhost:3000 node examples/guard/express.mjs
import { createVerifier } from "@frontdesk/guard";
import { expressGuard, requireScopes } from "@frontdesk/guard/express";
import express from "express";

const verifier = createVerifier({
  issuer: process.env.FRONTDESK_ISSUER ?? "http://localhost:3000",
  // Frontdesk's default audience is ISSUER/api (its `resources` setting).
  audience: process.env.API_AUDIENCE ?? `${process.env.FRONTDESK_ISSUER ?? "http://localhost:3000"}/api`,
});

const app = express();
app.use("/api", expressGuard(verifier));
app.get("/api/orders", requireScopes("orders:read"), (req, res) => {
  res.json({ orders: [], for: req.auth.sub });
});
app.listen(Number(process.env.PORT ?? 4000), () => console.log("Express API on", process.env.PORT ?? 4000));
