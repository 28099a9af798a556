import { describe, expect, it } from "vitest";
import { deferred } from "../../../guard/src/revocation/feed.js";
import { startTestServer } from "../helpers/server.js";

/**
 * A shutdown ends every long-poll of GET /revocations at once, also one that is still
 * reading its first page when the shutdown starts: the wake-up is kept, not lost (else
 * that poll holds the graceful stop for its whole wait).
 */
describe("revocation feed long-polls when the server shuts down", () => {
  it("answers a long-poll whose first read is under way when the server starts closing", async () => {
    const server = await startTestServer();
    const { id, secret } = await server.client({ scopes: "revocation_feed" });
    const poll = () =>
      fetch(`${server.url}/revocations?cursor=0&wait=25`, {
        headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` },
      });
    const fast = server.ctx.fast;
    const eventsSince = fast.eventsSince.bind(fast);
    const firstRead = deferred();
    const secondRead = deferred();
    const woken = deferred();
    let reads = 0;
    let closing = false;
    fast.eventsSince = async (cursor, limit) => {
      reads += 1;
      if (closing) {
        // Poll 1 reads again: the shutdown has woken the long-polls.
        woken.resolve();
      } else if (reads === 1) {
        firstRead.resolve();
      } else {
        // Poll 2's first read is held until the shutdown has woken the long-polls.
        secondRead.resolve();
        await woken.promise;
      }
      return eventsSince(cursor, limit);
    };
    const first = poll();
    await firstRead.promise;
    const second = poll();
    await secondRead.promise;
    closing = true;
    const closed = server.close();
    for (const response of await Promise.all([first, second])) {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ events: [], cursor: "0" });
    }
    await closed;
  });
});
