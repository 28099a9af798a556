// Service B: trusts only tokens for its own audience, sees the person as `sub` and the
// service that called on their behalf in `act`, and follows the revocation feed, so a
// revoked person's exchanged tokens stop working here within a second.
import { createServer } from "node:http";
import { createVerifier, httpRevocationFeed } from "@frontdesk/guard";
import { nodeGuard } from "@frontdesk/guard/node";

const issuer = process.env.FRONTDESK_ISSUER ?? "http://localhost:8080";
const selfUrl = process.env.SERVICE_B_URL ?? "http://127.0.0.1:4002";

const revocations = httpRevocationFeed({
  issuer,
  clientId: process.env.SERVICE_B_FEED_CLIENT_ID,
  clientSecret: process.env.SERVICE_B_FEED_SECRET,
});
const guard = nodeGuard(createVerifier({ issuer, audience: selfUrl, revocations }));
await revocations.ready;

createServer(async (req, res) => {
  const claims = await guard(req, res);
  if (!claims) return;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ service: "B", sub: claims.sub, act: claims.act, client_id: claims.client_id }));
}).listen(new URL(selfUrl).port, "127.0.0.1", () => console.log(`service B on ${selfUrl}`));
