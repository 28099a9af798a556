import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeGuard } from "../../../guard/src/adapters/node.js";
import { createVerifier } from "../../../guard/src/index.js";
import { createUser } from "../../src/users/users.js";
import { FormBrowser } from "../helpers/browser.js";
import { type Nginx, startNginx } from "../helpers/nginx.js";
import { freePort, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * A real nginx in front of a sample upstream: `auth_request` asks Frontdesk's
 * /authz with the browser's cookie; the upstream verifies the internal JWT with
 * the guard.
 */
describe("nginx auth_request -> /authz -> upstream verifying with the guard", () => {
  let nginx: Nginx;
  let server: TestServer;
  let upstream: Server;
  const seen: { authorization?: string; status: number }[] = [];

  beforeAll(async () => {
    const gatewayPort = await freePort();
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    server = await startTestServer({ issuer: gateway });
    await createUser(server.ctx, {
      username: "grace",
      password: "gateway password",
      tenant: "acme",
      roles: ["admin", "billing"],
    });
    const frontdesk = new URL(server.url);

    const guard = nodeGuard(createVerifier({ issuer: gateway, audience: `${gateway}/api` }));
    upstream = createServer(async (req, res) => {
      const claims = await guard(req, res);
      seen.push({ authorization: req.headers.authorization, status: res.statusCode });
      if (!claims) return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url, claims }));
    });
    const upstreamPort = await freePort();
    await new Promise<void>((r) => upstream.listen(upstreamPort, "127.0.0.1", r));

    nginx = await startNginx(
      (port) => `
  server {
    listen 127.0.0.1:${port};
    location /app/ {
      auth_request /_frontdesk_authz;
      auth_request_set $frontdesk_token $upstream_http_x_frontdesk_token;
      proxy_set_header Authorization "Bearer $frontdesk_token";
      proxy_pass http://127.0.0.1:${upstreamPort};
      error_page 401 = @signin;
    }
    location = /_frontdesk_authz {
      internal;
      proxy_pass http://127.0.0.1:${frontdesk.port}/authz;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
    }
    location @signin { return 302 /login?return_to=$request_uri; }
    location / {
      proxy_pass http://127.0.0.1:${frontdesk.port};
      proxy_set_header Host $http_host;
    }
  }`,
      gatewayPort,
    );
  });
  afterAll(async () => {
    await nginx?.stop();
    upstream?.close();
    await server?.close();
  });

  it("sends a request without a session to sign-in, without reaching the upstream", async () => {
    const before = seen.length;
    const response = await fetch(`${nginx.url}/app/reports`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/\/login\?return_to=\/app\/reports$/);
    expect(seen.length).toBe(before);
  });

  it("passes a verified internal JWT upstream after sign-in, and refuses after sign-out", async () => {
    const browser = new FormBrowser(nginx.url);
    const signin = await browser.follow("/app/reports");
    expect(signin.url).toContain("/login?return_to=");
    const landed = await browser.submit(await signin.response.text(), {
      username: "grace",
      password: "gateway password",
    });
    expect(landed.url).toBe(`${nginx.url}/app/reports`);
    expect(landed.response.status).toBe(200);
    const body = (await landed.response.json()) as { claims: Record<string, unknown> };
    expect(body.claims).toMatchObject({
      tenant: "acme",
      roles: ["admin", "billing"],
      client_id: "frontdesk-gateway",
    });
    expect(typeof body.claims.sid).toBe("string");
    const lifetime = Number(body.claims.exp) - Number(body.claims.iat);
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(300);

    const again = await browser.follow("/app/reports");
    expect(again.response.status).toBe(200);

    const confirm = await browser.follow("/logout");
    const out = await browser.submit(
      await confirm.response.text(),
      {},
      { button: { name: "decision", value: "logout" } },
    );
    expect(out.response.status).toBe(200);
    const after = await browser.request("/app/reports");
    expect(after.status).toBe(302);
    expect(after.headers.get("location")).toContain("/login");
  });

  it("never lets a forged token through: the upstream's guard refuses what /authz did not sign", async () => {
    const response = await fetch(`${nginx.url}/app/reports`, {
      headers: { cookie: "frontdesk_session=forged-value" },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
  });
});
