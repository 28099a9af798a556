import { startCaddy } from "../helpers/caddy.js";
import { docSnippet, fillPlaceholders } from "../helpers/doc-snippets.js";
import { describeForwardAuthGateway } from "../helpers/forward-auth-gateway.js";

/**
 * A real Caddy running docs/forward-auth.md's Caddyfile: `forward_auth` asks
 * Frontdesk's /authz with the browser's cookie, a 401 becomes a redirect to the
 * sign-in link, and the upstream verifies the internal JWT with the guard. Only the
 * placeholders are replaced: the site app.example.com by a plain 127.0.0.1 port,
 * frontdesk:3000 and app:8080 by the test's Frontdesk and upstream.
 */
describeForwardAuthGateway("Caddy forward_auth (docs/forward-auth.md) -> /authz -> upstream", (ports) =>
  startCaddy(
    fillPlaceholders(docSnippet("forward-auth.md", "caddy"), {
      "app.example.com {": `http://127.0.0.1:${ports.gateway} {`,
      "frontdesk:3000": `127.0.0.1:${ports.frontdesk}`,
      "app:8080": `127.0.0.1:${ports.upstream}`,
    }),
    ports.gateway,
  ),
);
