// The backend-for-frontend: the SPA's files at /app/ and its API at /api/, both behind
// the gateway (nginx.conf). The browser holds nothing but Frontdesk's HttpOnly session
// cookie; on each request the gateway swaps it (forward-auth) for a short-lived
// internal JWT, which the API verifies here with @frontdesk/guard. The revocation feed
// makes a sign-out or `frontdesk user revoke` reach tokens this API already holds.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createVerifier, httpRevocationFeed } from "@frontdesk/guard";
import { nodeGuard } from "@frontdesk/guard/node";

const issuer = process.env.FRONTDESK_ISSUER ?? "http://localhost:8080";
const port = Number(process.env.PORT ?? 4000);

if (!process.env.FEED_CLIENT_ID || !process.env.FEED_CLIENT_SECRET) {
  console.error(
    "Set FEED_CLIENT_ID and FEED_CLIENT_SECRET: a client with the revocation_feed scope (README step 2).",
  );
  process.exit(1);
}
const revocations = httpRevocationFeed({
  issuer,
  clientId: process.env.FEED_CLIENT_ID,
  clientSecret: process.env.FEED_CLIENT_SECRET,
});
// The gateway's tokens are for Frontdesk's first resource, by default ISSUER/api: this API.
const guard = nodeGuard(createVerifier({ issuer, audience: `${issuer}/api`, revocations }));
await revocations.ready;

const FILES = {
  "/app/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
};
const SAFE_METHODS = new Set(["GET", "HEAD"]);
/** Each person's notes, by `sub`. In memory: the example keeps no database. */
const notes = new Map();

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 4096) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function api(req, res, path) {
  const claims = await guard(req, res); // answers 401 itself: no token, a bad one, a revoked one
  if (!claims) return;
  // CSRF, second wall after SameSite: a custom header, which another origin cannot send
  // without a CORS preflight this API never grants.
  if (!SAFE_METHODS.has(req.method) && req.headers["x-requested-with"] !== "fetch")
    return json(res, 403, { error: "csrf", error_description: "send X-Requested-With: fetch" });
  const mine = notes.get(claims.sub) ?? [];
  if (path === "/api/me" && req.method === "GET")
    return json(res, 200, { sub: claims.sub, signed_in_at: claims.auth_time, amr: claims.amr });
  if (path === "/api/notes" && req.method === "GET") return json(res, 200, { notes: mine });
  if (path === "/api/notes" && req.method === "POST") {
    const body = await readJson(req);
    const text = typeof body?.text === "string" ? body.text.trim() : "";
    if (!text || text.length > 200)
      return json(res, 400, { error: "invalid_note", error_description: "text: 1 to 200 characters" });
    notes.set(claims.sub, [...mine, text]);
    return json(res, 201, { notes: notes.get(claims.sub) });
  }
  return json(res, 404, { error: "not_found" });
}

async function page(res, path) {
  const entry = FILES[path];
  if (!entry) return json(res, 404, { error: "not_found" });
  res.writeHead(200, {
    "content-type": entry.type,
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-cache",
  });
  res.end(await readFile(new URL(`public/${entry.file}`, import.meta.url)));
}

createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://backend").pathname;
  if (path.startsWith("/api/")) return api(req, res, path);
  return page(res, path);
}).listen(port, "127.0.0.1", () => console.log(`backend on http://127.0.0.1:${port}`));
