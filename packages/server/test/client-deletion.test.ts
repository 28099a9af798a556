import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteClient } from "../src/clients/registration.js";
import { createLogger } from "../src/logging/logger.js";
import { closeContext, createContext } from "../src/main/services.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/**
 * Regression: a client deleted by another process (the CLI) could still get tokens
 * for up to a second from a server that had its record cached.
 */
describe("a client deleted by another process", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const token = (id: string, secret: string) =>
    fetch(`${server.url}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
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
});
