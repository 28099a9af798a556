import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyEncryption } from "../src/keys/key-encryption.js";
import { KeyManager } from "../src/keys/key-manager.js";
import {
  basic,
  clientCredentialsToken,
  eventually,
  getJson,
  jwtHeader,
  postForm,
  runCliJson,
} from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

interface KeyRow {
  kid: string;
  state: string;
  alg: string;
}

describe("signing key rotation across processes (server + `frontdesk keys rotate`)", () => {
  let server: TestServer;
  let app: { id: string; secret: string };
  let rs: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer({ keyRefreshInterval: 1 });
    app = await server.client();
    rs = await server.client();
  });
  afterAll(() => server.close());

  const jwksKids = async () =>
    ((await getJson(`${server.issuer}/jwks`)).json?.keys as { kid: string }[] | undefined)?.map(
      (k) => k.kid,
    ) ?? [];
  const introspect = async (token: string) =>
    (await postForm(server, "/introspect", { token }, { authorization: basic(rs.id, rs.secret) })).json;

  it("keeps old tokens valid, signs new ones with the pre-published next key, and publishes next/active/retired", async () => {
    // Access tokens are signed by the ES256 set (signingAlg); every algorithm's set rotates alike.
    const before = (
      (await runCliJson(["keys", "list", "--data-dir", server.dataDir])).keys as KeyRow[]
    ).filter((k) => k.alg === "ES256");
    const oldActive = before.find((k) => k.state === "active")?.kid as string;
    const oldNext = before.find((k) => k.state === "next")?.kid as string;
    expect(oldActive).toBeTruthy();
    expect(oldNext).toBeTruthy();

    // The next key is published before it signs anything.
    const kidsBefore = await jwksKids();
    expect(kidsBefore).toEqual(expect.arrayContaining([oldActive, oldNext]));
    const oldToken = await clientCredentialsToken(server, app);
    expect(jwtHeader(oldToken).kid).toBe(oldActive);
    // A verifier that cached the JWKS before the rotation (and never refetches) ...
    const cachedJwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`), { cooldownDuration: 3_600_000 });
    await jwtVerify(oldToken, cachedJwks, { issuer: server.issuer, typ: "at+jwt" });

    const rotated = await runCliJson(["keys", "rotate", "--data-dir", server.dataDir]);
    expect(rotated.activated).toBe(oldNext);
    expect(rotated.retired).toBe(oldActive);
    expect(typeof rotated.next).toBe("string");
    expect(rotated.next).not.toBe(oldNext);

    // The running server sees the rotation within keyRefreshInterval (1 s).
    const newToken = await eventually(async () => {
      const t = await clientCredentialsToken(server, app);
      return jwtHeader(t).kid === oldNext ? t : undefined;
    }, 5000);

    // ... still verifies the new token: its key was already in the set it fetched.
    await jwtVerify(newToken, cachedJwks, { issuer: server.issuer, typ: "at+jwt" });

    // The JWKS fetched after rotation has retired, active and next.
    const kidsAfter = await jwksKids();
    expect(kidsAfter).toEqual(expect.arrayContaining([oldActive, oldNext, rotated.next as string]));
    const fresh = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const verifiedOld = await jwtVerify(oldToken, fresh, { issuer: server.issuer, typ: "at+jwt" });
    expect(verifiedOld.protectedHeader.kid).toBe(oldActive);
    await jwtVerify(newToken, fresh, { issuer: server.issuer, typ: "at+jwt" });

    // Both introspect active.
    expect(await introspect(oldToken)).toMatchObject({ active: true, jti: decodeJwt(oldToken).jti });
    expect(await introspect(newToken)).toMatchObject({ active: true, jti: decodeJwt(newToken).jti });

    const after = (
      (await runCliJson(["keys", "list", "--data-dir", server.dataDir])).keys as KeyRow[]
    ).filter((k) => k.alg === "ES256");
    const states = Object.fromEntries(after.map((k) => [k.kid, k.state]));
    expect(states).toEqual({ [oldActive]: "retired", [oldNext]: "active", [rotated.next as string]: "next" });
  });

  it("publishes only public key material", async () => {
    const { json, headers } = await getJson(`${server.issuer}/jwks`);
    expect(headers.get("content-type")).toMatch(/jwk-set\+json|json/);
    const keys = json?.keys as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const shapes = {
      ES256: { kty: "EC", crv: "P-256" },
      RS256: { kty: "RSA" },
      EdDSA: { kty: "OKP", crv: "Ed25519" },
    };
    expect([...new Set(keys.map((k) => k.alg))].sort()).toEqual(["ES256", "EdDSA", "RS256"]);
    for (const k of keys) {
      expect(k).toMatchObject({ use: "sig", ...shapes[k.alg as keyof typeof shapes] });
      if (k.alg === "RS256")
        expect(Buffer.from(k.n as string, "base64url").length * 8).toBeGreaterThanOrEqual(2048);
      for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) expect(k[priv]).toBeUndefined();
    }
  });
});

describe("key lifecycle (in process, with a controlled clock)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("a retired key stays published for retiredKeyLifetime, then is removed", async () => {
    let now = Math.floor(Date.now() / 1000);
    const manager = new KeyManager({
      repo: server.ctx.durable.keys,
      encryption: new KeyEncryption(server.ctx.config.keyEncryptionSecret),
      alg: "ES256",
      retiredKeyLifetime: 100,
      refreshInterval: 1,
      now: () => now,
    });
    await manager.initialize();
    const { retired } = await manager.rotate();
    expect(retired).toBeTruthy();
    now += 100;
    await manager.reload();
    expect((await manager.publicJwks()).keys.map((k) => k.kid)).toContain(retired);
    now += 2;
    await manager.reload();
    expect((await manager.publicJwks()).keys.map((k) => k.kid)).not.toContain(retired);
    expect((await manager.list()).map((k) => k.kid)).not.toContain(retired);
    expect(
      (await manager.list())
        .filter((k) => k.alg === "ES256")
        .map((k) => k.state)
        .sort(),
    ).toEqual(["active", "next"]);
  });

  it("private keys are stored encrypted, and a wrong key-encryption secret cannot open them", async () => {
    const rows = await server.ctx.durable.keys.list();
    for (const row of rows) {
      expect(row.privateJwe.split(".")).toHaveLength(5);
      expect(row.privateJwe).not.toContain('"d"');
    }
    const wrong = new KeyEncryption("w".repeat(40));
    const row = rows[0] as (typeof rows)[number];
    await expect(wrong.open(row.kid, row.privateJwe)).rejects.toThrow();
    const right = new KeyEncryption(server.ctx.config.keyEncryptionSecret);
    await expect(right.open(row.kid, row.privateJwe)).resolves.toHaveProperty("d");
    // A ciphertext moved to another key's row is refused.
    const other = rows.find((r) => r.kid !== row.kid);
    if (other) await expect(right.open(other.kid, row.privateJwe)).rejects.toThrow(/does not belong/);
  });
});
