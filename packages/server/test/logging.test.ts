import { rmSync } from "node:fs";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerClient } from "../src/clients/registration.js";
import { createLogger } from "../src/logging/logger.js";
import { loadServerConfig as loadConfig } from "../src/main/config.js";
import { type RunningServer, startServer } from "../src/main/server.js";
import { basic, postForm, postRaw } from "./helpers/http.js";
import { freePort, tempDir } from "./helpers/server.js";

describe("logs: structured, and never a secret or a whole token", () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  let server: RunningServer & { issuer: string };
  let keyEncryptionSecret: string;
  const dataDir = tempDir();

  beforeAll(async () => {
    const port = await freePort();
    const config = loadConfig({
      env: {},
      flags: { port, host: "127.0.0.1", issuer: `http://127.0.0.1:${port}`, dataDir, logLevel: "trace" },
    });
    keyEncryptionSecret = config.keyEncryptionSecret;
    const running = await startServer(config, createLogger("trace", sink));
    server = { ...running, issuer: config.issuer };
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("client credentials, introspection, revocation and failures leave no credential in the log", async () => {
    const { client, secret } = await registerClient(server.ctx, {
      name: "logged",
      grantTypes: ["client_credentials"],
      scopes: "read",
    });
    const authorization = basic(client.id, secret as string);
    const issued = await postForm(server, "/token", { grant_type: "client_credentials" }, { authorization });
    const token = String(issued.json?.access_token);
    expect(token.split(".")).toHaveLength(3);

    const viaPost = await postForm(server, "/token", {
      grant_type: "client_credentials",
      client_id: client.id,
      client_secret: secret as string,
    });
    const postToken = String(viaPost.json?.access_token);
    await postForm(server, "/introspect", { token }, { authorization });
    await postForm(server, "/introspect", {
      token: postToken,
      client_id: client.id,
      client_secret: secret as string,
    });
    await postForm(server, "/revoke", { token, token_type_hint: "access_token" }, { authorization });
    // Failures that carry credentials: wrong secret, repeated secret, secrets in the query, a JSON body.
    const wrongSecret = `${secret}-wrong`;
    await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(client.id, wrongSecret) },
    );
    await postForm(server, "/token", [
      ["grant_type", "client_credentials"],
      ["client_id", client.id],
      ["client_secret", secret as string],
      ["client_secret", secret as string],
    ]);
    await postForm(
      server,
      `/introspect?token=${postToken}&client_secret=${secret}`,
      { token: postToken },
      { authorization },
    );
    await postRaw(server, "/token", JSON.stringify({ client_secret: secret, token }), {
      "content-type": "application/json",
      authorization,
    });
    await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "x".repeat(70_000) },
      { authorization },
    );
    await fetch(`${server.issuer}/nope?access_token=${postToken}`, { headers: { authorization } });

    await new Promise((r) => setTimeout(r, 50));
    const output = lines.join("\n");
    // The log is there and detailed (trace): requests were logged...
    expect(lines.length).toBeGreaterThan(10);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.every((r) => typeof r.level === "number" && typeof r.time === "number")).toBe(true);
    expect(records.some((r) => (r.req as { path?: string } | undefined)?.path === "/introspect")).toBe(true);
    // ...and no credential or token appears anywhere, whole or as its signature.
    for (const [what, value] of [
      ["client secret", secret as string],
      ["wrong secret", wrongSecret],
      ["access token", token],
      ["access token (post)", postToken],
      ["token signature", token.split(".")[2] as string],
      ["Authorization header", authorization],
      ["Basic credentials", authorization.slice("Basic ".length)],
      ["key-encryption secret", keyEncryptionSecret],
    ] as [string, string][]) {
      expect(output.includes(value), `${what} found in the log`).toBe(false);
    }
  });
});
