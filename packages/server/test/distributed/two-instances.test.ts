import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../helpers/browser.js";
import { type Nginx, startNginx } from "../helpers/nginx.js";
import { cli, type ServerProcess, startServerProcess } from "../helpers/process.js";
import { freePort, tempDir } from "../helpers/server.js";
import { createTestDatabase } from "../storage/helpers/postgres.js";
import { testPrefix } from "../storage/helpers/redis.js";

const REDIS_URL = process.env.FRONTDESK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const REDIRECT = "http://127.0.0.1:9/cb";

/**
 * Distributed mode: two `frontdesk start` processes sharing PostgreSQL and Redis,
 * behind nginx round-robin (requests alternate), plus explicit cross-instance steps.
 */
describe("two identical instances sharing PostgreSQL and Redis", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const prefix = testPrefix();
  let env: NodeJS.ProcessEnv;
  let a: ServerProcess;
  let b: ServerProcess;
  let lb: Nginx;
  let issuer: string;
  let oidc: { id: string; secret: string };
  const logDir = tempDir("frontdesk-lb-");

  beforeAll(async () => {
    db = await createTestDatabase();
    const lbPort = await freePort();
    issuer = `http://127.0.0.1:${lbPort}`;
    env = {
      FRONTDESK_DATABASE_URL: db.url(),
      FRONTDESK_REDIS_URL: REDIS_URL,
      FRONTDESK_REDIS_PREFIX: prefix,
      FRONTDESK_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
      FRONTDESK_KEY_REFRESH_INTERVAL: "1",
      FRONTDESK_ISSUER: issuer,
    };
    // Both start at once: migrations and first keys must be created exactly once.
    [a, b] = await Promise.all([
      startServerProcess({ dataDir: tempDir(), issuer, env }),
      startServerProcess({ dataDir: tempDir(), issuer, env }),
    ]);
    lb = await startNginx(
      (port) => `
  log_format upstream '$upstream_addr';
  upstream frontdesk { server 127.0.0.1:${a.port}; server 127.0.0.1:${b.port}; }
  server {
    listen 127.0.0.1:${port};
    access_log ${logDir}/upstream.log upstream;
    location / { proxy_pass http://frontdesk; proxy_set_header Host $http_host; proxy_next_upstream off; }
  }`,
      lbPort,
    );
    await cli(
      ["user", "create", "--username", "ada", "--password", "ada password", "--data-dir", tempDir()],
      env,
    );
    const created = await cli<{ client_id: string; client_secret: string }>(
      [
        "client",
        "create",
        "--name",
        "Ledger",
        "--redirect-uri",
        REDIRECT,
        "--grant-types",
        "authorization_code,refresh_token",
        "--scopes",
        "openid profile offline_access",
        "--data-dir",
        tempDir(),
      ],
      env,
    );
    oidc = { id: created.client_id, secret: created.client_secret };
  });

  afterAll(async () => {
    await lb?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  async function discover(origin: string) {
    // Talk to `origin` while the metadata keeps naming the shared issuer.
    const viaOrigin: client.CustomFetch = (url, options) =>
      fetch(url.replace(issuer, origin), options as RequestInit);
    return client.discovery(new URL(issuer), oidc.id, oidc.secret, undefined, {
      [client.customFetch]: viaOrigin,
      execute: [
        client.allowInsecureRequests,
        (config) => {
          config[client.customFetch] = viaOrigin;
        },
      ],
    });
  }

  async function codeFrom(browser: FormBrowser, config: client.Configuration) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: "openid profile offline_access",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    let step = await browser.follow(url.toString().replace(issuer, browser.origin));
    if (step.url.includes("/login"))
      step = await browser.submit(await step.response.text(), { username: "ada", password: "ada password" });
    if (step.url.includes("/consent"))
      step = await browser.submit(
        await step.response.text(),
        {},
        { button: { name: "decision", value: "allow" } },
      );
    expect(step.url.startsWith(REDIRECT)).toBe(true);
    return { callback: new URL(step.url), verifier, state };
  }

  it("runs the whole flow through a round-robin balancer, served by both instances", async () => {
    const config = await discover(lb.url);
    const browser = new FormBrowser(lb.url);
    const { callback, verifier, state } = await codeFrom(browser, config);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const sub = tokens.claims()?.sub as string;
    expect((await client.fetchUserInfo(config, tokens.access_token, sub)).preferred_username).toBe("ada");
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const served = new Set(readFileSync(`${logDir}/upstream.log`, "utf8").trim().split("\n"));
    expect(served).toEqual(new Set([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]));
  });

  it("a code issued by instance A is redeemed at B; A's session is honoured at B; B's rotation is seen at A", async () => {
    const atA = await discover(a.url);
    const atB = await discover(b.url);
    const browser = new FormBrowser(a.url);
    const { callback, verifier, state } = await codeFrom(browser, atA);
    const tokens = await client.authorizationCodeGrant(atB, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.refresh_token).toBeTruthy();

    const session = browser.cookie("frontdesk_session") as string;
    const atBBrowser = new FormBrowser(b.url);
    atBBrowser.setCookie("frontdesk_session", session);
    expect((await atBBrowser.request("/account")).status).toBe(200);

    const rotated = await client.refreshTokenGrant(atB, tokens.refresh_token as string);
    await expect(client.refreshTokenGrant(atA, tokens.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    await expect(client.refreshTokenGrant(atB, rotated.refresh_token as string)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("a key rotated through one process is published and used by both within the refresh interval", async () => {
    const rotation = await cli<{ activated: string; next: string }>(
      ["keys", "rotate", "--data-dir", tempDir()],
      env,
    );
    const deadline = Date.now() + 5_000;
    for (const instance of [a, b]) {
      for (;;) {
        const jwks = (await (await fetch(`${instance.url}/jwks`)).json()) as { keys: { kid: string }[] };
        if (jwks.keys.some((k) => k.kid === rotation.next)) break;
        if (Date.now() > deadline)
          throw new Error(`instance ${instance.port} never published ${rotation.next}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const instance of [a, b]) {
      const config = await discover(instance.url);
      const browser = new FormBrowser(instance.url);
      const { callback, verifier, state } = await codeFrom(browser, config);
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      const header = JSON.parse(
        Buffer.from(tokens.access_token.split(".")[0] as string, "base64url").toString(),
      );
      expect(header.kid).toBe(rotation.activated);
    }
  });

  it("kill -9 of one instance loses no issued refresh token or grant", async () => {
    const atA = await discover(a.url);
    const browser = new FormBrowser(a.url);
    const { callback, verifier, state } = await codeFrom(browser, atA);
    const tokens = await client.authorizationCodeGrant(atA, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    await a.kill();
    const atB = await discover(b.url);
    const refreshed = await client.refreshTokenGrant(atB, tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTruthy();
    // The consent survives too: prompt=none at B gets a code straight away.
    const silent = new FormBrowser(b.url);
    silent.setCookie("frontdesk_session", browser.cookie("frontdesk_session") as string);
    const url = client.buildAuthorizationUrl(atB, {
      redirect_uri: REDIRECT,
      scope: "openid profile offline_access",
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      prompt: "none",
    });
    const answer = await silent.follow(url.toString().replace(issuer, b.url));
    expect(new URL(answer.url).searchParams.get("code")).toBeTruthy();
  });
});
