import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { deferred } from "../../guard/src/revocation/feed.js";
import { startTestServer } from "./helpers/server.js";

describe("graceful shutdown", () => {
  it("closes a connection that never sent a request at once, while a request in flight finishes", async () => {
    const server = await startTestServer();
    const { id, secret } = await server.client({ scopes: "revocation_feed" });
    // A request held in flight: its read of the feed waits until the test lets it go.
    const fast = server.ctx.fast;
    const eventsSince = fast.eventsSince.bind(fast);
    const reading = deferred();
    const release = deferred();
    fast.eventsSince = async (cursor, limit) => {
      reading.resolve();
      await release.promise;
      return eventsSince(cursor, limit);
    };
    const held = fetch(`${server.url}/revocations`, {
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` },
    });
    await reading.promise;

    // A client that connects and sends nothing (as a browser's preconnect does).
    const { port } = new URL(server.url);
    const silent: Socket = connect(Number(port), "127.0.0.1");
    const silentClosed = new Promise<void>((resolve) => silent.once("close", () => resolve()));
    silent.on("error", () => {});
    await new Promise<void>((resolve) => silent.once("connect", () => resolve()));
    // The server accepts connections in order: once a later one is answered, it holds this one.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const closed = server.close();
    // Closed by the server while the held request is still in flight (the grace
    // period's end would close every connection, the held one's too).
    await silentClosed;
    release.resolve();
    expect((await held).status).toBe(200);
    await closed;
  });
});
