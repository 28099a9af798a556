import type { FastifyRequest } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientKeys } from "../../../src/clients/client-keys.js";
import { privateKeyJwtMethod } from "../../../src/features/private-key-jwt/method.js";
import type { ClientRecord } from "../../../src/storage/durable/types.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { assertionForm, type ClientKey, clientKey, jwksServer, keyClient, signAssertion } from "./keys.js";

/** The method with an injected clock (shared by the key cache's cooldown), on the test server's stores. */
function methodAt(server: TestServer, clock: { now: number }) {
  const now = () => clock.now;
  const clientKeys = new ClientKeys({ policy: server.ctx.outbound, cooldown: 30, now });
  return privateKeyJwtMethod({ ...server.ctx, clientKeys }, { maxLifetime: 300, leeway: 30, now });
}

const tokenRequest = { routeOptions: { url: "/token" }, headers: {} } as unknown as FastifyRequest;

describe("private_key_jwt with an injected clock", () => {
  let server: TestServer;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  beforeAll(async () => {
    server = await startTestServer();
    jwks = await jwksServer();
  });
  afterAll(async () => {
    await jwks.close();
    await server.close();
  });

  async function accepts(
    method: ReturnType<typeof methodAt>,
    client: ClientRecord,
    key: ClientKey,
    claims: Record<string, unknown>,
  ): Promise<boolean> {
    const assertion = await signAssertion(server, client.id, key, { claims });
    const presented = method.present(tokenRequest, assertionForm(assertion));
    if (!presented) throw new Error("the method did not see its assertion");
    return method.verify(client, presented);
  }

  it("picks up a key rotated in at the jwks_uri; an unknown kid refetches at most once per 30 s cooldown", async () => {
    const clock = { now: Math.floor(Date.now() / 1000) };
    const method = methodAt(server, clock);
    const [a, b, c] = await Promise.all([clientKey("ES256"), clientKey("RS256"), clientKey("ES256")]);
    jwks.serve([a.jwk]);
    const client = (await server.ctx.durable.clients.get(
      await keyClient(server, { jwksUri: jwks.uri }),
    )) as ClientRecord;
    const valid = () => ({ iat: clock.now, exp: clock.now + 60 });
    const before = jwks.fetches();
    expect(await accepts(method, client, a, valid())).toBe(true);
    expect(jwks.fetches()).toBe(before + 1);
    // Rotated in: the unknown kid makes one refetch, which finds it.
    jwks.serve([a.jwk, b.jwk]);
    expect(await accepts(method, client, b, valid())).toBe(true);
    expect(jwks.fetches()).toBe(before + 2);
    // Another rotation 10 s later: within the cooldown, no fetch, so not yet known.
    jwks.serve([a.jwk, b.jwk, c.jwk]);
    clock.now += 10;
    expect(await accepts(method, client, c, valid())).toBe(false);
    expect(jwks.fetches()).toBe(before + 2);
    // After the cooldown: picked up.
    clock.now += 21;
    expect(await accepts(method, client, c, valid())).toBe(true);
    expect(jwks.fetches()).toBe(before + 3);
  });

  it("accepts exp up to maxLifetime (+ leeway) ahead and refuses beyond; refuses past exp + leeway", async () => {
    const clock = { now: Math.floor(Date.now() / 1000) };
    const method = methodAt(server, clock);
    const key = await clientKey("ES256");
    const client = (await server.ctx.durable.clients.get(
      await keyClient(server, { jwks: { keys: [key.jwk] } }),
    )) as ClientRecord;
    const at = clock.now;
    expect(await accepts(method, client, key, { iat: at, exp: at + 300 })).toBe(true);
    expect(await accepts(method, client, key, { iat: at, exp: at + 331 })).toBe(false);
    clock.now = at + 100;
    expect(await accepts(method, client, key, { iat: at, exp: at + 75 })).toBe(true);
    expect(await accepts(method, client, key, { iat: at, exp: at + 69 })).toBe(false);
  });
});
