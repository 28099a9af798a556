import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_CACHE_MS } from "../../src/clients/client-cache.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { until } from "./conformance/wait.js";
import { createTestDatabase } from "./helpers/postgres.js";
import { spareRedis, type TestRedis } from "./helpers/redis-server.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

/** The real server in distributed mode (PostgreSQL + Redis), with either store taken away. */
describe("readiness and 503 when a store is unreachable", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let redis: TestRedis;
  let server: TestServer;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    redis = await spareRedis();
    redis.start();
    server = await startTestServer({ databaseUrl: db.url(`127.0.0.1:${proxy.port}`), redisUrl: redis.url });
    client = await server.client();
  });
  afterAll(async () => {
    await server?.close();
    redis.stop();
    await proxy.close();
    await db.drop();
  });

  const readyz = async () => {
    const response = await fetch(`${server.issuer}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: string) =>
    fetch(`${server.issuer}${path}`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body,
    });
  let accessToken = "unknown";
  // Introspecting a live access token checks the revocation state kept in the fast store.
  const introspect = () => post("/introspect", `token=${accessToken}`);

  it("is ready with both stores up", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: "ready", durable: "ok", fast: "ok" } });
    const token = await post("/token", "grant_type=client_credentials&scope=read");
    accessToken = ((await token.json()) as { access_token: string }).access_token;
    const answer = await introspect();
    expect(await answer.json()).toMatchObject({ active: true });
  });

  it("names PostgreSQL when the database is unreachable, answers 503 temporarily_unavailable, then recovers", async () => {
    await proxy.down();
    try {
      const started = Date.now();
      expect(await readyz()).toEqual({
        status: 503,
        body: { status: "unavailable", durable: "unreachable", fast: "ok", unreachable: ["postgres"] },
      });
      expect(Date.now() - started).toBeLessThan(2500);
      // Client records are cached briefly; once that lapses, authenticating the caller needs PostgreSQL.
      await new Promise((r) => setTimeout(r, CLIENT_CACHE_MS + 100));
      const response = await introspect();
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
    } finally {
      await proxy.up();
    }
    await until(async () => expect((await readyz()).status).toBe(200), 5000);
    expect((await introspect()).status).toBe(200);
  });

  it("names Redis when it is down, answers 503 temporarily_unavailable, then recovers", async () => {
    redis.stop();
    try {
      expect(await readyz()).toEqual({
        status: 503,
        body: { status: "unavailable", durable: "ok", fast: "unreachable", unreachable: ["redis"] },
      });
      const response = await introspect();
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
    } finally {
      redis.start();
    }
    await until(async () => expect((await readyz()).status).toBe(200), 5000);
    expect((await introspect()).status).toBe(200);
  });
});
