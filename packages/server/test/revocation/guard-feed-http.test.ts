import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, httpRevocationFeed, type Verifier } from "../../../guard/src/index.js";
import { cli, type ServerProcess, startServerProcess } from "../helpers/process.js";
import { msUntilRefused } from "../helpers/revocation.js";
import { tempDir } from "../helpers/server.js";
import { gatewayToken, signIn } from "../helpers/sign-in.js";

describe("revocation reaches a guard over the HTTP feed, across processes", () => {
  const dataDir = tempDir();
  let server: ServerProcess;
  let verifier: Verifier;
  const serverCalls: string[] = [];
  let feed: ReturnType<typeof httpRevocationFeed>;

  beforeAll(async () => {
    await cli([
      "user",
      "create",
      "--username",
      "alice",
      "--password",
      "alice password",
      "--data-dir",
      dataDir,
    ]);
    await cli(["user", "create", "--username", "bob", "--password", "bob password!", "--data-dir", dataDir]);
    const feedClient = await cli<{ client_id: string; client_secret: string }>([
      "client",
      "create",
      "--name",
      "orders-service",
      "--grant-types",
      "client_credentials",
      "--scopes",
      "revocation_feed",
      "--data-dir",
      dataDir,
    ]);
    server = await startServerProcess({ dataDir });
    const counting: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.includes("/revocations")) serverCalls.push(url);
      return fetch(input, init);
    };
    feed = httpRevocationFeed({
      issuer: server.url,
      clientId: feedClient.client_id,
      clientSecret: feedClient.client_secret,
      wait: 20,
    });
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
    expect(await server.stop()).toBe(0);
  });

  it("refuses a revoked user's token within a second, while other tokens verify with no call to the server", async () => {
    const alice = await gatewayToken(await signIn(server.url, "alice", "alice password"));
    const bob = await gatewayToken(await signIn(server.url, "bob", "bob password!"));
    await verifier.verify(alice);
    await verifier.verify(bob);
    const callsBefore = serverCalls.length;

    await cli(["user", "revoke", "alice", "--data-dir", dataDir]);
    const elapsed = await msUntilRefused(verifier, alice);
    expect(elapsed).toBeLessThan(1000);

    for (let i = 0; i < 50; i++) await verifier.verify(bob);
    expect(serverCalls.length).toBe(callsBefore);
  });

  it("a guard that starts after the revocation catches up from the feed snapshot", async () => {
    const carol = await cli<{ id: string }>([
      "user",
      "create",
      "--username",
      "carol",
      "--password",
      "carol password",
      "--data-dir",
      dataDir,
    ]);
    const token = await gatewayToken(await signIn(server.url, "carol", "carol password"));
    await cli(["user", "revoke", carol.id, "--data-dir", dataDir]);
    const feedClient = await cli<{ client_id: string; client_secret: string }>([
      "client",
      "create",
      "--name",
      "late-service",
      "--grant-types",
      "client_credentials",
      "--scopes",
      "revocation_feed",
      "--data-dir",
      dataDir,
    ]);
    const late = httpRevocationFeed({
      issuer: server.url,
      clientId: feedClient.client_id,
      clientSecret: feedClient.client_secret,
    });
    try {
      const lateVerifier = createVerifier({
        issuer: server.url,
        audience: `${server.url}/api`,
        revocations: late,
      });
      await late.ready;
      await expect(lateVerifier.verify(token)).rejects.toMatchObject({ code: "invalid_token" });
    } finally {
      await late.close();
    }
  });
});
