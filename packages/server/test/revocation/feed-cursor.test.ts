import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface FeedAnswer {
  events: { id: string; type: string; value: string }[];
  cursor: string;
  reset?: true;
}

/** The cursor and `reset` of GET /revocations, as docs/revocation-feed.md states them. */
describe("revocation feed cursor and reset", () => {
  let server: TestServer;
  let authorization: string;
  const feed = async (query = ""): Promise<FeedAnswer> => {
    const response = await fetch(`${server.url}/revocations${query}`, { headers: { authorization } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    return (await response.json()) as FeedAnswer;
  };
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    server = await startTestServer();
    const { id, secret } = await server.client({ scopes: "revocation_feed" });
    authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers the first request (no cursor) with reset: true, and cursor "0" while no event is live', async () => {
    // An event that expires at once: in the stream, but no longer live.
    await server.ctx.revocations.revokeAccessToken("short-lived", now() + 1);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await feed()).toEqual({ events: [], cursor: "0", reset: true });
    // Even a long-poll wait is not held without a cursor: the snapshot answers at once.
    const started = Date.now();
    expect(await feed("?wait=5")).toMatchObject({ cursor: "0", reset: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("continues from the last event of an answer, and never sends reset for a cursor, however old", async () => {
    await server.ctx.revocations.revokeAccessToken("first", now() + 600);
    const snapshot = await feed();
    expect(snapshot.reset).toBe(true);
    expect(snapshot.events.map((e) => e.value)).toEqual(["first"]);
    expect(snapshot.cursor).toBe(snapshot.events[0]?.id);

    await server.ctx.revocations.revokeAccessToken("second", now() + 600);
    const next = await feed(`?cursor=${snapshot.cursor}`);
    expect(next.reset).toBeUndefined();
    expect(next.events.map((e) => e.value)).toEqual(["second"]);
    expect(next.cursor).toBe(next.events[0]?.id);

    // "0" is the start of the stream: every live event, without reset.
    const fromStart = await feed("?cursor=0");
    expect(fromStart.reset).toBeUndefined();
    expect(fromStart.events.map((e) => e.value)).toEqual(["first", "second"]);
  });

  it('keeps the client\'s cursor when nothing new is live (it does not drop back to "0")', async () => {
    const head = (await feed()).cursor;
    expect(head).not.toBe("0");
    expect(await feed(`?cursor=${head}`)).toEqual({ events: [], cursor: head });
    expect(await feed(`?cursor=${head}&wait=1`)).toEqual({ events: [], cursor: head });
  });

  it("answers a cursor that is not a cursor id like no cursor: the snapshot, with reset: true", async () => {
    const answer = await feed("?cursor=not-a-cursor");
    expect(answer.reset).toBe(true);
    expect(answer.events.map((e) => e.value)).toEqual(["first", "second"]);
  });
});
