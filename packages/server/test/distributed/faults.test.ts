import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";
import { until } from "../storage/conformance/wait.js";
import { createTestDatabase } from "../storage/helpers/postgres.js";
import { spareRedis, type TestRedis } from "../storage/helpers/redis-server.js";
import { startTcpProxy, type TcpProxy } from "../storage/helpers/tcp-proxy.js";

const REDIRECT = "http://127.0.0.1:9/cb";

/**
 * Fail closed: with Redis or PostgreSQL gone mid-run, nothing that needs the
 * missing store answers 2xx, nothing is half-done (a refresh token still works
 * afterwards), and the server recovers by itself.
 */
describe("faults: a store disappears mid-run", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let redis: TestRedis;
  let redisProxy: TcpProxy;
  let server: TestServer;
  let config: client.Configuration;
  let person: { username: string; password: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    redis = await spareRedis();
    redis.start();
    // Unreachable, not restarted: Redis keeps nothing on disk here, and a restart would be data loss, not a fault.
    redisProxy = await startTcpProxy({ host: "127.0.0.1", port: redis.port });
    server = await startTestServer({
      databaseUrl: db.url(`127.0.0.1:${proxy.port}`),
      redisUrl: `redis://127.0.0.1:${redisProxy.port}`,
    });
    const registered = await server.client({
      name: "Notes",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: [REDIRECT],
      scopes: "openid offline_access",
      firstParty: true,
    });
    config = await client.discovery(new URL(server.issuer), registered.id, registered.secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    person = await makeUser(server.ctx);
  });
  afterAll(async () => {
    await server?.close();
    await redisProxy?.close();
    redis?.stop();
    await proxy?.close();
    await db?.drop();
  });

  async function signedIn(): Promise<{ browser: FormBrowser; refreshToken: string }> {
    const browser = new FormBrowser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid offline_access",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const login = await browser.follow(url.toString());
    const back = await browser.submit(await login.response.text(), person);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    return { browser, refreshToken: tokens.refresh_token as string };
  }

  const refresh = (token: string) =>
    client.refreshTokenGrant(config, token).then(
      () => 200,
      (error: { status?: number; cause?: { status?: number } }) => error.status ?? error.cause?.status ?? 0,
    );

  it("Redis unreachable: no sign-in, no session check passes, no refresh rotates; all recover", async () => {
    const { browser, refreshToken } = await signedIn();
    const loginPage = await (await browser.follow("/login")).response.text();
    await redisProxy.down();
    try {
      const login = await browser.submit(loginPage, person);
      expect(login.response.status).toBe(503);
      expect(login.response.headers.getSetCookie().some((c) => c.includes("frontdesk_session="))).toBe(false);
      expect((await browser.request("/authz")).status).toBe(503);
      expect((await browser.request("/account")).status).toBe(503);
      expect(await refresh(refreshToken)).toBe(503);
    } finally {
      await redisProxy.up();
    }
    await until(async () => expect((await browser.request("/authz")).status).toBe(200), 5000);
    // The refresh token was not rotated by the failed attempt: it still works, once.
    expect(await refresh(refreshToken)).toBe(200);
  });

  it("PostgreSQL unreachable: no token issued, no sign-in; all recover", async () => {
    const { browser, refreshToken } = await signedIn();
    const loginPage = await (await browser.follow("/login")).response.text();
    await proxy.down();
    try {
      await new Promise((r) => setTimeout(r, 1100)); // let cached client records lapse
      expect(await refresh(refreshToken)).toBe(503);
      const login = await browser.submit(loginPage, person);
      expect(login.response.status).toBe(503);
      expect(login.response.headers.getSetCookie().some((c) => c.includes("frontdesk_session="))).toBe(false);
    } finally {
      await proxy.up();
    }
    await until(async () => expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200), 5000);
    expect(await refresh(refreshToken)).toBe(200);
  });
});
