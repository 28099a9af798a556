import { docSnippet, fillPlaceholders } from "../helpers/doc-snippets.js";
import { describeForwardAuthGateway } from "../helpers/forward-auth-gateway.js";
import { startNginx } from "../helpers/nginx.js";

/**
 * A real nginx running docs/forward-auth.md's snippet: `auth_request` asks
 * Frontdesk's /authz with the browser's cookie; the upstream verifies the internal
 * JWT with the guard. Only the placeholders are replaced: the TLS listener of
 * app.example.com by a plain 127.0.0.1 port, frontdesk:3000 and app:8080 by the
 * test's Frontdesk and upstream.
 */
describeForwardAuthGateway(
  "nginx auth_request (docs/forward-auth.md) -> /authz -> upstream",
  async (ports) => {
    const snippet = docSnippet("forward-auth.md", "nginx");
    const nginx = await startNginx(
      (port) =>
        fillPlaceholders(snippet, {
          "listen 443 ssl;": `listen 127.0.0.1:${port};`,
          "  ssl_certificate     /etc/nginx/tls/app.example.com.crt;\n": "",
          "  ssl_certificate_key /etc/nginx/tls/app.example.com.key;\n": "",
          "frontdesk:3000": `127.0.0.1:${ports.frontdesk}`,
          "app:8080": `127.0.0.1:${ports.upstream}`,
        }),
      ports.gateway,
    );
    return nginx;
  },
);
