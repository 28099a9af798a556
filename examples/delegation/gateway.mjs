// The gateway, one origin for the browser: /app/* goes to service A once Frontdesk's
// forward-auth (docs/forward-auth.md) has turned the session cookie into a short-lived
// internal JWT; everything else (sign-in pages, /token, /jwks…) goes to Frontdesk.
// nginx, Caddy, Traefik or Envoy do the same in production; this one is node:http.
import { createServer, request } from "node:http";

const frontdesk = new URL(process.env.FRONTDESK_URL ?? "http://127.0.0.1:3000");
const serviceA = new URL(process.env.SERVICE_A_URL ?? "http://127.0.0.1:4001");
const port = Number(process.env.GATEWAY_PORT ?? 8080);

/** Forwards the request to `target`, with `headers` replacing the browser's. */
function forward(req, res, target, headers) {
  const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers });
  upstream.on("response", (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => res.writeHead(502).end());
  req.pipe(upstream);
}

createServer(async (req, res) => {
  if (!req.url?.startsWith("/app/")) return forward(req, res, frontdesk, req.headers);
  const authz = await fetch(new URL("/authz", frontdesk), {
    headers: { cookie: req.headers.cookie ?? "", "x-original-uri": req.url },
  });
  await authz.arrayBuffer();
  if (authz.status !== 200) {
    // Not signed in: to Frontdesk's sign-in page, and back to this URL after.
    res.writeHead(302, { location: authz.headers.get("x-frontdesk-login") ?? "/login" }).end();
    return;
  }
  // Only the gateway's token reaches A: whatever the browser sent as Authorization is dropped.
  forward(req, res, serviceA, { authorization: `Bearer ${authz.headers.get("x-frontdesk-token")}` });
}).listen(port, "127.0.0.1", () => console.log(`gateway on http://localhost:${port}`));
