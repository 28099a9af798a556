import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  createVerifier,
  httpRevocationFeed,
  type RevocationEvent,
  type RevocationFeed,
} from "../src/index.js";
import { listen, makeKey, mint, nowSeconds, waitFor } from "./helpers.js";

const ISSUER = "https://issuer.test";
const BASIC = `Basic ${Buffer.from("feed%3Aclient:s%C3%A9cret+1").toString("base64")}`; // "feed:client" / "sécret 1"

/** A fake server following docs/revocation-feed.md: snapshot, cursor, long-poll, reset. */
async function startFeedServer() {
  const state = {
    events: [] as RevocationEvent[],
    next: 1,
    oldestRetained: 1, // cursors below this get a reset snapshot
    down: false,
    requests: 0,
    badAuth: 0,
    waiting: new Set<() => void>(),
  };
  const live = () => state.events.filter((e) => e.expires_at > nowSeconds());
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };
  const srv = await listen(async (req, res) => {
    state.requests++;
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/revocations") return answer(res, 404, {});
    if (req.headers.authorization !== BASIC) {
      state.badAuth++;
      return answer(res, 401, { error: "invalid_client" });
    }
    if (state.down) return answer(res, 503, { error: "temporarily_unavailable" });
    const cursor = url.searchParams.get("cursor");
    const last = String(state.next - 1);
    if (cursor === null) return answer(res, 200, { events: live(), cursor: last });
    if (Number(cursor) + 1 < state.oldestRetained)
      return answer(res, 200, { events: live(), cursor: last, reset: true });
    const after = () => live().filter((e) => Number(e.id) > Number(cursor));
    const wait = Math.min(25, Number(url.searchParams.get("wait") ?? 0));
    if (after().length === 0 && wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait * 1000);
        state.waiting.add(done);
        res.on("close", done);
        function done() {
          clearTimeout(timer);
          state.waiting.delete(done);
          resolve();
        }
      });
    }
    if (state.down) return answer(res, 503, { error: "temporarily_unavailable" });
    const events = after();
    answer(res, 200, { events, cursor: events.length ? (events.at(-1)?.id as string) : cursor });
  });
  const publish = (event: Omit<RevocationEvent, "id">) => {
    state.events.push({ ...event, id: String(state.next++) });
    for (const wake of [...state.waiting]) wake();
  };
  const wakeAll = () => {
    for (const wake of [...state.waiting]) wake();
  };
  return { url: `${srv.url}/revocations`, state, publish, wakeAll, close: srv.close };
}

const feeds: RevocationFeed[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  for (const c of closers.splice(0)) await c();
});

async function setup() {
  const server = await startFeedServer();
  closers.push(server.close);
  const key = await makeKey();
  const errors: unknown[] = [];
  const feed = httpRevocationFeed({
    url: server.url,
    clientId: "feed:client",
    clientSecret: "sécret 1",
    backoff: 20,
    maxBackoff: 100,
    onError: (e) => errors.push(e),
  });
  feeds.push(feed);
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: "https://api.test",
    jwks: { keys: [key.jwk] },
    revocations: feed,
  });
  return { server, key, feed, verifier, errors };
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => false,
    () => true,
  );

describe("httpRevocationFeed", () => {
  it("applies the snapshot on start", async () => {
    const server = await startFeedServer();
    closers.push(server.close);
    server.publish({ type: "jti", value: "early", expires_at: nowSeconds() + 600 });
    const feed = httpRevocationFeed({ url: server.url, clientId: "feed:client", clientSecret: "sécret 1" });
    feeds.push(feed);
    await feed.ready;
    expect(feed.isRevoked({ jti: "early" })).toBe(true);
    expect(server.state.badAuth).toBe(0);
  });

  it("refuses a token within a second of its revocation being published", async () => {
    const { server, key, feed, verifier } = await setup();
    await feed.ready;
    const token = await mint(key, ISSUER, { jti: "live-1", sid: "sess-1" });
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    await waitFor(() => server.state.waiting.size > 0); // the guard is long-polling
    server.publish({ type: "sid", value: "sess-1", expires_at: nowSeconds() + 600 });
    const elapsed = await waitFor(() => refused(verifier.verify(token)), 1000);
    expect(elapsed).toBeLessThan(1000);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: "invalid_token",
      description: "token revoked",
    });
  });

  it("backs off while the server is down and catches up with a reset snapshot", async () => {
    const { server, key, feed, verifier, errors } = await setup();
    server.publish({ type: "jti", value: "lifted", expires_at: nowSeconds() + 600 });
    await feed.ready;
    expect(feed.isRevoked({ jti: "lifted" })).toBe(true);

    server.state.down = true;
    server.wakeAll();
    await waitFor(() => errors.length >= 2);
    const requestsWhileDown = server.state.requests;
    await new Promise((r) => setTimeout(r, 150));
    expect(server.state.requests - requestsWhileDown).toBeLessThan(10); // backing off, not spinning

    // While the guard is offline: a new revocation, the old one lifted, and the retained window moves on.
    server.state.events = server.state.events.filter((e) => e.value !== "lifted");
    server.publish({ type: "sub", value: "user-9", before: nowSeconds(), expires_at: nowSeconds() + 600 });
    server.state.oldestRetained = server.state.next;
    const token = await mint(key, ISSUER, { sub: "user-9", iat: nowSeconds() - 5 });
    server.state.down = false;

    const elapsed = await waitFor(() => refused(verifier.verify(token)), 1000);
    expect(elapsed).toBeLessThan(1000);
    expect(feed.isRevoked({ jti: "lifted" })).toBe(false); // the reset replaced the set
  });

  it("close() stops an in-flight long poll promptly", async () => {
    const { server, feed } = await setup();
    await feed.ready;
    await waitFor(() => server.state.waiting.size > 0);
    const started = Date.now();
    await feed.close();
    feeds.splice(feeds.indexOf(feed), 1);
    expect(Date.now() - started).toBeLessThan(500);
    const count = server.state.requests;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.state.requests).toBe(count);
  });
});
