import { describe, expect, it } from "vitest";
import { cli, startServerProcess } from "../helpers/process.js";
import { tempDir } from "../helpers/server.js";

describe("graceful shutdown on SIGTERM", () => {
  it("answers the requests in flight (a long-poll too), then exits 0", async () => {
    const dataDir = tempDir();
    const feedClient = await cli<{ client_id: string; client_secret: string }>([
      "client",
      "create",
      "--name",
      "watcher",
      "--grant-types",
      "client_credentials",
      "--scopes",
      "revocation_feed",
      "--data-dir",
      dataDir,
    ]);
    const server = await startServerProcess({ dataDir });
    const auth = `Basic ${Buffer.from(`${feedClient.client_id}:${feedClient.client_secret}`).toString("base64")}`;
    const started = Date.now();
    const inFlight = fetch(`${server.url}/revocations?cursor=0&wait=20`, {
      headers: { authorization: auth },
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = server.stop();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events: [] });
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
