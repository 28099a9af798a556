import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startTestServer, type TestServer } from "../helpers/server.js";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/guard/", import.meta.url));

/** The runnable example of each guard adapter (docs/guard.md), against a real server. */
describe.each(["node-http", "express", "fastify", "hono"])("examples/guard/%s.mjs", (name) => {
  let server: TestServer;
  let child: ChildProcess;
  let api: string;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ scopes: ["orders:read"] });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [`${EXAMPLES}${name}.mjs`], {
      env: { ...process.env, FRONTDESK_ISSUER: server.issuer, PORT: String(port) },
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`${api}/api/orders`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const { id, secret } = await server.client({ scopes: "orders:read" });
    const response = await fetch(`${server.issuer}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials&scope=orders:read",
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    child?.kill();
    await server?.close();
  });

  it("refuses a request without a token with 401 and a Bearer challenge", async () => {
    const response = await fetch(`${api}/api/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });

  it("serves a request with a Frontdesk access token", async () => {
    const response = await fetch(`${api}/api/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ orders: [] });
  });
});
