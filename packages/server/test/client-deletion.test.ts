import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteClient, updateClient } from "../src/clients/registration.js";
import { createLogger } from "../src/logging/logger.js";
import { closeContext, createContext, registrationOfferFor } from "../src/main/services.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/**
 * Regression: a client deleted by another process (the CLI) could still get tokens
 * for up to a second from a server that had its record cached. A change (update,
 * secret rotation) made by another process is seen at once for the same reason.
 */
describe("a client deleted or changed by another process", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const token = (id: string, secret: string, scope?: string) =>
    fetch(`${server.url}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ""}`,
    });

  it("is refused at once, even while the server still holds its record in cache", async () => {
    const { id, secret } = await server.client();
    expect((await token(id, secret)).status).toBe(200); // now cached in the server
    const other = await createContext(server.ctx.config, createLogger("silent"));
    try {
      expect(await deleteClient(other, id)).toBe(true);
    } finally {
      await closeContext(other);
    }
    const refused = await token(id, secret);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });
  });

  it("a client updated by another process: the server uses the new metadata at once, though it holds the old record in cache", async () => {
    const { id, secret } = await server.client({ scopes: "read" });
    expect((await token(id, secret, "read")).status).toBe(200); // now cached in the server
    expect((await token(id, secret, "write")).status).toBe(400);
    const other = await createContext(server.ctx.config, createLogger("silent"));
    try {
      expect(
        await updateClient(other, id, { scopes: "read write" }, registrationOfferFor(other)),
      ).toMatchObject({
        scopes: ["read", "write"],
      });
    } finally {
      await closeContext(other);
    }
    const answer = await token(id, secret, "write");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ scope: "write" });
  });
});
