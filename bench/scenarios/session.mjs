// 4. A request through a session-protected route, sessions in Redis.
// Frontdesk: GET /authz (forward-auth) with the session cookie; it resolves the session
// in the Redis fast store and answers 200 with an internal JWT (cached per session for a
// few seconds). Peer: Express + express-session + connect-redis, GET /protected checks
// req.session.userId and answers 200.
import { createClient } from "redis";
import { FrontdeskInstance } from "../lib/frontdesk.mjs";
import { compareLoad } from "../lib/load.mjs";
import { CookieJar, frontdeskSignIn, jarFetch } from "../lib/oauth.mjs";
import { ExpressSessionPeer } from "../lib/peers.mjs";
import { loadRows } from "../lib/report.mjs";

export const id = "session";
export const title = "session-protected request, Redis-backed";

async function deleteKeys(redis, prefix) {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    const list = Array.isArray(keys) ? keys : [keys];
    if (list.length) await redis.del(list);
  }
}

export async function run(h) {
  const redis = createClient({ url: h.settings.redisUrl });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return {
      skipped: `Redis not reachable at ${h.settings.redisUrl} (${error.message}); set BENCH_REDIS_URL`,
    };
  }
  const tag = `bench-${process.pid}-${Date.now()}`;
  const fdPrefix = `${tag}-frontdesk:`;
  const peerPrefix = `${tag}-express:`;
  const fd = new FrontdeskInstance({
    NODE_ENV: "production",
    FRONTDESK_REDIS_URL: h.settings.redisUrl,
    FRONTDESK_REDIS_PREFIX: fdPrefix,
  });
  const peer = new ExpressSessionPeer(h.settings.redisUrl, peerPrefix);
  try {
    await fd.user("bench-user", "bench password 0123456789");
    await fd.start();
    await peer.start();

    const fdJar = new CookieJar();
    await frontdeskSignIn(
      fdJar,
      fd.url,
      { return_to: "/account" },
      "bench-user",
      "bench password 0123456789",
    );
    const peerJar = new CookieJar();
    const login = await jarFetch(peerJar, `${peer.url}/login`);
    await login.arrayBuffer();
    if (!peerJar.header()) throw new Error("express-session set no cookie");

    const targets = {
      frontdesk: { url: `${fd.url}/authz`, headers: { cookie: fdJar.header() } },
      peer: { url: `${peer.url}/protected`, headers: { cookie: peerJar.header() } },
    };
    const check = await fetch(targets.frontdesk.url, { headers: targets.frontdesk.headers });
    if (check.status !== 200 || !check.headers.get("x-frontdesk-token"))
      throw new Error(`frontdesk /authz answered ${check.status} without a token`);
    const result = await compareLoad(targets, { connections: 10 });
    return loadRows(id, "c=10", result, "express-session+connect-redis", { min: 1.5 });
  } finally {
    await Promise.allSettled([fd.dispose(), peer.stop()]);
    await deleteKeys(redis, tag).catch(() => {});
    await redis.quit().catch(() => {});
  }
}
