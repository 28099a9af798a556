// Service A: verifies the gateway's token (audience A), then calls service B on the
// person's behalf with a token exchanged for B (RFC 8693): the person stays `sub`,
// A is named in `act`, and the token is good for B only.
import { createServer } from "node:http";
import { clientCredentialsTokenSource, createVerifier } from "@frontdesk/guard";
import { nodeGuard } from "@frontdesk/guard/node";

const issuer = process.env.FRONTDESK_ISSUER ?? "http://localhost:8080";
const selfUrl = process.env.SERVICE_A_URL ?? "http://127.0.0.1:4001";
const serviceB = process.env.SERVICE_B_URL ?? "http://127.0.0.1:4002";

const guard = nodeGuard(createVerifier({ issuer, audience: selfUrl }));
const tokens = clientCredentialsTokenSource({
  issuer,
  clientId: process.env.SERVICE_A_CLIENT_ID,
  clientSecret: process.env.SERVICE_A_CLIENT_SECRET,
});

createServer(async (req, res) => {
  const claims = await guard(req, res); // answers 400/401/403 itself
  if (!claims) return;
  const personToken = (req.headers.authorization ?? "").slice("Bearer ".length);
  // actor: also send A's own token, so the exchanged one names A in `act`.
  let forB;
  try {
    forB = await tokens.exchange(personToken, { audience: serviceB, actor: true });
  } catch (error) {
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ service: "A", error: `token exchange failed: ${error.message}` }));
    return;
  }
  const answer = await fetch(`${serviceB}/profile`, { headers: { authorization: `Bearer ${forB}` } });
  res.writeHead(answer.status, { "content-type": "application/json" });
  res.end(JSON.stringify({ service: "A", person: claims.sub, serviceB: await answer.json() }));
}).listen(new URL(selfUrl).port, "127.0.0.1", () => console.log(`service A on ${selfUrl}`));
