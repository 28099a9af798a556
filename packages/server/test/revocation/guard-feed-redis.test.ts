import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, redisRevocationFeed, type Verifier } from "../../../guard/src/index.js";
import { cli, type ServerProcess, startServerProcess } from "../helpers/process.js";
import { msUntilRefused } from "../helpers/revocation.js";
import { tempDir } from "../helpers/server.js";
import { gatewayToken, signIn } from "../helpers/sign-in.js";
import { testPrefix } from "../storage/helpers/redis.js";

const REDIS_URL = process.env.FRONTDESK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("revocation reaches a guard over Redis pub/sub, across processes", () => {
  const dataDir = tempDir();
  const prefix = testPrefix();
  const env = { FRONTDESK_REDIS_URL: REDIS_URL, FRONTDESK_REDIS_PREFIX: prefix };
  let server: ServerProcess;
  let verifier: Verifier;
  let feed: ReturnType<typeof redisRevocationFeed>;
  const serverCalls: string[] = [];

  beforeAll(async () => {
    await cli(
      ["user", "create", "--username", "dora", "--password", "dora password", "--data-dir", dataDir],
      env,
    );
    await cli(
      ["user", "create", "--username", "eve", "--password", "eve password!", "--data-dir", dataDir],
      env,
    );
    server = await startServerProcess({ dataDir, env });
    feed = redisRevocationFeed({ redis: REDIS_URL, prefix });
    const counting: typeof fetch = (input, init) => {
      serverCalls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    verifier = createVerifier({
      issuer: server.url,
      audience: `${server.url}/api`,
      revocations: feed,
      fetch: counting,
    });
    await feed.ready;
  });
  afterAll(async () => {
    await feed?.close();
    await server?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("refuses a revoked user's token within a second; other tokens verify with no call to the server", async () => {
    const dora = await gatewayToken(await signIn(server.url, "dora", "dora password"));
    const eve = await gatewayToken(await signIn(server.url, "eve", "eve password!"));
    await verifier.verify(dora);
    await verifier.verify(eve);
    const callsBefore = serverCalls.length;

    await cli(["user", "revoke", "dora", "--data-dir", dataDir], env);
    expect(await msUntilRefused(verifier, dora)).toBeLessThan(1000);

    for (let i = 0; i < 50; i++) await verifier.verify(eve);
    expect(serverCalls.length).toBe(callsBefore);
  });

  it("a signed-out session's token is refused through the feed (sid event)", async () => {
    const browser = await signIn(server.url, "eve", "eve password!");
    const token = await gatewayToken(browser);
    await verifier.verify(token);
    const confirm = await browser.follow("/logout");
    await browser.submit(
      await confirm.response.text(),
      {},
      { button: { name: "decision", value: "logout" } },
    );
    expect(await msUntilRefused(verifier, token)).toBeLessThan(1000);
  });
});
