import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeClient, InvalidClientMetadata, rotateClientSecret } from "../src/clients/registration.js";
import { clientSecretMatches, newClientSecret } from "../src/clients/secrets.js";
import { basic, postForm } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("client secret rotation: the previous secret works only during its grace period", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const tokenStatus = async (id: string, secret: string, method: "basic" | "post" = "basic") =>
    (
      await postForm(
        server,
        "/token",
        method === "basic"
          ? { grant_type: "client_credentials" }
          : { grant_type: "client_credentials", client_id: id, client_secret: secret },
        method === "basic" ? { authorization: basic(id, secret) } : {},
      )
    ).status;
  const seconds = () => Math.floor(Date.now() / 1000);

  it("clientSecretMatches accepts the current secret, and the previous one until (not at) its expiry", () => {
    const old = newClientSecret();
    const current = newClientSecret();
    const T = 4_102_444_800;
    const client = { secretHash: current.hash, previousSecretHash: old.hash, previousSecretExpiresAt: T };
    expect(clientSecretMatches(current.secret, client, T + 10_000)).toBe(true);
    expect(clientSecretMatches(old.secret, client, T - 1)).toBe(true);
    expect(clientSecretMatches(old.secret, client, T)).toBe(false);
    expect(clientSecretMatches("something else", client, T - 1)).toBe(false);
    expect(clientSecretMatches(old.secret, { ...client, previousSecretExpiresAt: null }, 0)).toBe(false);
    expect(
      clientSecretMatches("", { secretHash: null, previousSecretHash: null, previousSecretExpiresAt: null }),
    ).toBe(false);
  });

  it("with an injected clock at rotation: inside the grace both secrets authenticate, past it only the new one", async () => {
    const { id, secret: first } = await server.client();
    // Rotated "30 s ago" with a 60 s grace: the old secret has 30 s left on the server's clock.
    const inGrace = await rotateClientSecret(server.ctx, id, { graceSeconds: 60, now: () => seconds() - 30 });
    const second = inGrace?.secret as string;
    expect(await tokenStatus(id, first)).toBe(200);
    expect(await tokenStatus(id, first, "post")).toBe(200);
    expect(await tokenStatus(id, second)).toBe(200);

    // Rotated "60 s ago" with a 60 s grace: the grace is over, only the newest secret works.
    const past = await rotateClientSecret(server.ctx, id, { graceSeconds: 60, now: () => seconds() - 60 });
    const third = past?.secret as string;
    expect(await tokenStatus(id, second)).toBe(401);
    expect(await tokenStatus(id, second, "post")).toBe(401);
    expect(await tokenStatus(id, first)).toBe(401);
    expect(await tokenStatus(id, third)).toBe(200);
    expect(await tokenStatus(id, third, "post")).toBe(200);
  });

  it("client descriptions show previous_secret_expires_at only while the previous secret works", async () => {
    const { id: live } = await server.client();
    const { id: over } = await server.client();
    const { id: never } = await server.client();
    const t = seconds();
    await rotateClientSecret(server.ctx, live, { graceSeconds: 600, now: () => t });
    await rotateClientSecret(server.ctx, over, { graceSeconds: 60, now: () => t - 60 });
    // As the CLI and the admin API call it: through map, which passes more arguments.
    const described = (await server.ctx.durable.clients.list()).map(describeClient);
    const until = (id: string) => described.find((c) => c.client_id === id)?.previous_secret_expires_at;
    expect(until(live)).toBe(t + 600);
    expect(until(over)).toBeNull();
    expect(until(never)).toBeNull();
  });

  it("stores only hashes, refuses a public client and a bad grace, and answers undefined for an unknown client", async () => {
    const { id } = await server.client();
    const rotated = await rotateClientSecret(server.ctx, id, { graceSeconds: 10 });
    expect(JSON.stringify(await server.ctx.durable.clients.get(id))).not.toContain(rotated?.secret);
    const spa = await server.client({
      public: true,
      grantTypes: ["authorization_code"],
      redirectUris: ["http://localhost:5173/cb"],
    });
    await expect(rotateClientSecret(server.ctx, spa.id)).rejects.toThrow(/public client/);
    await expect(rotateClientSecret(server.ctx, id, { graceSeconds: -1 })).rejects.toBeInstanceOf(
      InvalidClientMetadata,
    );
    await expect(rotateClientSecret(server.ctx, id, { graceSeconds: 1.5 })).rejects.toThrow(/whole number/);
    expect(await rotateClientSecret(server.ctx, "no-such-client")).toBeUndefined();
  });
});
