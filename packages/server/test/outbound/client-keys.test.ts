import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientKeys, ClientKeysUnavailable } from "../../src/clients/client-keys.js";
import { AllowList } from "../../src/outbound/addresses.js";
import { client } from "../storage/conformance/records.js";

const development = { production: false, allow: new AllowList([]) };

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

const sign = (key: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"], kid: string) =>
  new SignJWT({ sub: "c" }).setProtectedHeader({ alg: "ES256", kid }).setExpirationTime("1m").sign(key);

describe("a client's keys: by value, or from its jwks_uri with a refetch cooldown", () => {
  let server: Server;
  let uri: string;
  let served: Record<string, unknown>[] = [];
  let fetches = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => server.close());

  it("verifies with keys registered by value", async () => {
    const one = await keyPair("one");
    const keys = new ClientKeys({ policy: development });
    const c = client({ metadata: { jwks: { keys: [one.jwk] } } });
    await expect(jwtVerify(await sign(one.privateKey, "one"), keys.keysOf(c))).resolves.toBeTruthy();
  });

  it("an Ed25519 key registered as EdDSA verifies JWSs signed as Ed25519 (RFC 9864, openid-client's name), and the reverse", async () => {
    const { publicKey, privateKey } = await generateKeyPair("Ed25519", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "ed" };
    const keys = new ClientKeys({ policy: development });
    for (const [registered, signed] of [
      ["EdDSA", "Ed25519"],
      ["Ed25519", "EdDSA"],
      ["EdDSA", "EdDSA"],
    ]) {
      const c = client({ metadata: { jwks: { keys: [{ ...jwk, alg: registered }] } } });
      const token = await new SignJWT({ sub: "c" })
        .setProtectedHeader({ alg: signed as string, kid: "ed" })
        .setExpirationTime("1m")
        .sign(privateKey);
      await expect(jwtVerify(token, keys.keysOf(c)), `${registered} ← ${signed}`).resolves.toBeTruthy();
    }
    // Another algorithm is still refused for that key.
    const es = await keyPair("ed");
    const c = client({ metadata: { jwks: { keys: [{ ...jwk, alg: "EdDSA" }] } } });
    await expect(jwtVerify(await sign(es.privateKey, "ed"), keys.keysOf(c))).rejects.toThrow();
  });

  it("fetches jwks_uri once, and again on an unknown kid only after the cooldown", async () => {
    let now = 1_000;
    const keys = new ClientKeys({ policy: development, cooldown: 30, now: () => now });
    const c = client({ metadata: { jwksUri: uri } });
    const one = await keyPair("one");
    const two = await keyPair("two");
    served = [one.jwk];
    fetches = 0;
    await jwtVerify(await sign(one.privateKey, "one"), keys.keysOf(c));
    await jwtVerify(await sign(one.privateKey, "one"), keys.keysOf(c));
    expect(fetches).toBe(1);
    served = [one.jwk, two.jwk];
    // A rotated-in key: one refetch finds it.
    await jwtVerify(await sign(two.privateKey, "two"), keys.keysOf(c));
    expect(fetches).toBe(2);
    // An unknown kid within the cooldown does not fetch again (no amplification).
    await expect(jwtVerify(await sign(two.privateKey, "three"), keys.keysOf(c))).rejects.toThrow();
    expect(fetches).toBe(2);
    now += 31;
    await expect(jwtVerify(await sign(two.privateKey, "three"), keys.keysOf(c))).rejects.toThrow();
    expect(fetches).toBe(3);
  });

  it("a client without keys, or a jwks_uri the guard refuses, has none", async () => {
    const keys = new ClientKeys({ policy: { production: true, allow: new AllowList([]) } });
    expect(() => keys.keysOf(client())).toThrow(ClientKeysUnavailable);
    const internal = client({ metadata: { jwksUri: "https://169.254.169.254/jwks" } });
    const one = await keyPair("one");
    await expect(jwtVerify(await sign(one.privateKey, "one"), keys.keysOf(internal))).rejects.toThrow(
      /internal address/,
    );
  });
});
