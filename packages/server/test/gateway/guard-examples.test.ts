import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listeningAddresses } from "../helpers/listening.js";
import { freePort, startTestServer, type TestServer } from "../helpers/server.js";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/guard/", import.meta.url));

/** Starts an example and waits until it answers; `host` is where to reach it. */
async function startExample(
  name: string,
  env: NodeJS.ProcessEnv,
  host = "127.0.0.1",
): Promise<{ child: ChildProcess; api: string; port: number }> {
  const port = await freePort();
  const api = `http://${host}:${port}`;
  const child = spawn(process.execPath, [`${EXAMPLES}${name}.mjs`], {
    env: { ...process.env, HOST: undefined, ...env, PORT: String(port) },
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
  return { child, api, port };
}

/** The runnable example of each guard adapter (docs/guard.md), against a real server. */
describe.each(["node-http", "express", "fastify", "hono"])("examples/guard/%s.mjs", (name) => {
  let server: TestServer;
  let child: ChildProcess;
  let api: string;
  let port: number;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ scopes: ["orders:read"] });
    ({ child, api, port } = await startExample(name, { FRONTDESK_ISSUER: server.issuer }));
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

  it("listens on 127.0.0.1 only by default, not on every interface", () => {
    expect(listeningAddresses(port)).toEqual(["127.0.0.1"]);
  });

  it("listens where HOST says", async () => {
    const other = await startExample(
      name,
      { FRONTDESK_ISSUER: server.issuer, HOST: "127.0.0.2" },
      "127.0.0.2",
    );
    try {
      expect(listeningAddresses(other.port)).toEqual(["127.0.0.2"]);
      expect((await fetch(`${other.api}/api/orders`)).status).toBe(401);
    } finally {
      other.child.kill();
    }
  });
});
