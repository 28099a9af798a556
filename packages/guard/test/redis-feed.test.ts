import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createVerifier,
  type RedisClientLike,
  type RevocationFeed,
  redisRevocationFeed,
} from "../src/index.js";
import { makeKey, mint, nowSeconds, type SigningKey, waitFor } from "./helpers.js";

// Runs against the real Redis at 127.0.0.1:6379 (CI starts it); never skipped.
const REDIS_URL = "redis://127.0.0.1:6379";
const ISSUER = "https://issuer.test";
const prefix = `guard-test:${randomUUID()}:`;
const channel = `${prefix}{rev}:events`;
const stream = `${prefix}{rev}:stream`;

let admin: Redis;
let key: SigningKey;
const feeds: RevocationFeed[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  expect(await admin.ping()).toBe("PONG");
  key = await makeKey();
});
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  for (const c of clients.splice(0)) await c.quit();
  await admin.del(stream);
});
afterAll(async () => {
  expect(await admin.keys(`${prefix}*`)).toEqual([]);
  await admin.quit();
});

async function emit(event: Record<string, unknown>, options: { publish?: boolean } = {}) {
  const json = JSON.stringify(event);
  await admin.xadd(stream, "MAXLEN", "~", "100000", "*", "event", json);
  if (options.publish !== false) await admin.publish(channel, json);
}

function verifierFor(feed: RevocationFeed) {
  return createVerifier({
    issuer: ISSUER,
    audience: "https://api.test",
    jwks: { keys: [key.jwk] },
    revocations: feed,
  });
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => false,
    () => true,
  );

describe("redisRevocationFeed (real Redis)", () => {
  it("catches up from the stream on connect", async () => {
    await emit(
      { id: "1", type: "jti", value: "before-start", expires_at: nowSeconds() + 600 },
      { publish: false },
    );
    await emit(
      { id: "2", type: "client", value: "gone-client", expires_at: nowSeconds() + 600 },
      { publish: false },
    );
    await emit(
      { id: "3", type: "jti", value: "long-expired", expires_at: nowSeconds() - 1 },
      { publish: false },
    );
    const feed = redisRevocationFeed({ redis: REDIS_URL, prefix });
    feeds.push(feed);
    await feed.ready;
    const verifier = verifierFor(feed);
    await expect(verifier.verify(await mint(key, ISSUER, { jti: "before-start" }))).rejects.toMatchObject({
      reason: "token_revoked",
    });
    await expect(
      verifier.verify(await mint(key, ISSUER, { client_id: "gone-client" })),
    ).rejects.toMatchObject({
      reason: "token_revoked",
    });
    await expect(verifier.verify(await mint(key, ISSUER, { jti: "long-expired" }))).resolves.toBeTruthy();
    expect(feed.set.size).toBe(2);
  });

  it("refuses a token within a second of the event being published", async () => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const feed = redisRevocationFeed({ redis: client as unknown as RedisClientLike, prefix });
    feeds.push(feed);
    await feed.ready;
    const verifier = verifierFor(feed);
    const token = await mint(key, ISSUER, { sub: "user-r", iat: nowSeconds() - 1 });
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    await emit({
      id: "10",
      type: "sub",
      value: "user-r",
      before: nowSeconds(),
      expires_at: nowSeconds() + 600,
    });
    const elapsed = await waitFor(() => refused(verifier.verify(token)), 1000);
    expect(elapsed).toBeLessThan(1000);
    // A token issued after the cut-off is still accepted.
    await expect(
      verifier.verify(await mint(key, ISSUER, { sub: "user-r", iat: nowSeconds() + 2 })),
    ).resolves.toBeTruthy();
  });

  it("catches up from the stream after the subscriber reconnects", async () => {
    const name = `guard-test-${randomUUID()}`;
    const client = new Redis(REDIS_URL, { connectionName: name });
    clients.push(client);
    const feed = redisRevocationFeed({ redis: client as unknown as RedisClientLike, prefix });
    feeds.push(feed);
    await feed.ready;
    const verifier = verifierFor(feed);
    const token = await mint(key, ISSUER, { jti: "missed-while-away" });

    // Stream-only events are not seen by a connected subscriber (control) ...
    await emit(
      { id: "20", type: "jti", value: "missed-while-away", expires_at: nowSeconds() + 600 },
      { publish: false },
    );
    await new Promise((r) => setTimeout(r, 200));
    await expect(verifier.verify(token)).resolves.toBeTruthy();

    // ... but are read by the catch-up that follows a reconnect.
    const list = (await admin.call("CLIENT", "LIST", "TYPE", "pubsub")) as string;
    const subscriber = list.split("\n").find((line) => line.includes(` name=${name} `));
    const id = /(?:^|\s)id=(\d+)/.exec(subscriber ?? "")?.[1];
    expect(id, "subscriber connection not found").toBeDefined();
    await admin.call("CLIENT", "KILL", "ID", id as string);
    const elapsed = await waitFor(() => refused(verifier.verify(token)), 1500);
    expect(elapsed).toBeLessThan(1500);
  });
});
