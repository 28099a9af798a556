import { afterEach, describe, expect, it } from "vitest";
import {
  createVerifier,
  formatWwwAuthenticate,
  type GuardError,
  quoteHeaderValue,
  RevocationSet,
} from "../src/index.js";
import { makeKey, mint, nowSeconds, startIssuer } from "./helpers.js";

const AUDIENCE = "https://api.test";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function issuerWith(keys: Awaited<ReturnType<typeof makeKey>>[], metadataPath?: string) {
  const issuer = await startIssuer({ keys: keys.map((k) => k.jwk), metadataPath });
  cleanups.push(issuer.close);
  return issuer;
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as GuardError,
  );

describe("discovery and JWKS cache", () => {
  it("discovers jwks_uri from oauth-authorization-server metadata and caches the key set", async () => {
    const key = await makeKey();
    const { issuer, state } = await issuerWith([key]);
    const verifier = createVerifier({ issuer, audience: AUDIENCE });
    for (let i = 0; i < 5; i++) {
      await expect(verifier.verify(await mint(key, issuer))).resolves.toMatchObject({ iss: issuer });
    }
    expect(state.hits).toEqual({ metadata: 1, jwks: 1, other: 0 });
  });

  it("falls back to openid-configuration", async () => {
    const key = await makeKey();
    const { issuer, state } = await issuerWith([key], "/.well-known/openid-configuration");
    const verifier = createVerifier({ issuer, audience: AUDIENCE });
    await expect(verifier.verify(await mint(key, issuer))).resolves.toBeTruthy();
    expect(state.hits.metadata).toBe(1);
    expect(state.hits.other).toBe(1); // the oauth-authorization-server attempt
  });

  it("refuses metadata published for another issuer (503, no key set fetched)", async () => {
    const key = await makeKey();
    const { issuer, state } = await issuerWith([key]);
    const verifier = createVerifier({ issuer: `${issuer}/`, audience: AUDIENCE, timeout: 500 });
    const err = await rejection(verifier.verify(await mint(key, `${issuer}/`)));
    expect(err).toMatchObject({ code: "temporarily_unavailable", status: 503, reason: "keys_unavailable" });
    expect(state.hits.jwks).toBe(0);
  });

  it("refetches on an unknown kid at most once per cooldown", async () => {
    const k1 = await makeKey("k1");
    const k2 = await makeKey("k2");
    const issuer = await issuerWith([k1]);
    const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, cooldown: 300 });
    await verifier.verify(await mint(k1, issuer.issuer));
    expect(issuer.state.hits.jwks).toBe(1);

    issuer.state.keys = [k1.jwk, k2.jwk]; // rotation: k2 published
    const t2 = await mint(k2, issuer.issuer);
    // Within the cooldown: no refetch, a burst of unknown kids included.
    expect(await rejection(verifier.verify(t2))).toMatchObject({ reason: "unknown_key" });
    for (let i = 0; i < 10; i++) {
      await rejection(verifier.verify(await mint(k2, issuer.issuer, {}, { kid: `random-${i}` })));
    }
    expect(issuer.state.hits.jwks).toBe(1);

    await new Promise((r) => setTimeout(r, 350));
    await expect(verifier.verify(t2)).resolves.toBeTruthy();
    expect(issuer.state.hits.jwks).toBe(2);
    // The burst after a refetch does not cause another one.
    for (let i = 0; i < 10; i++) {
      await rejection(verifier.verify(await mint(k2, issuer.issuer, {}, { kid: `again-${i}` })));
    }
    expect(issuer.state.hits.jwks).toBe(2);
  });

  it("times out a slow JWKS endpoint (503 temporarily_unavailable)", async () => {
    const key = await makeKey();
    const issuer = await issuerWith([key]);
    issuer.state.jwksDelay = 3000;
    const verifier = createVerifier({ issuer: issuer.issuer, audience: AUDIENCE, timeout: 200 });
    const started = Date.now();
    const err = await rejection(verifier.verify(await mint(key, issuer.issuer)));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toMatchObject({ code: "temporarily_unavailable", status: 503, reason: "keys_unavailable" });
    expect(err.wwwAuthenticate).toBe('Bearer realm="https://api.test"');
  });

  it("accepts a jose key getter and a JWKS URL as key sources", async () => {
    const key = await makeKey();
    const issuer = await issuerWith([key]);
    const byUrl = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwks: `${issuer.issuer}/jwks`,
    });
    await expect(byUrl.verify(await mint(key, issuer.issuer))).resolves.toBeTruthy();
    expect(issuer.state.hits.metadata).toBe(0);
    const byGetter = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwks: async () => key.publicKey,
    });
    await expect(byGetter.verify(await mint(key, issuer.issuer))).resolves.toBeTruthy();
  });
});

describe("claims and tolerance", () => {
  const ISSUER = "https://issuer.test";
  it("tolerates small clock skew (default 5 s) but not more", async () => {
    const key = await makeKey();
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.jwk] } });
    await expect(verifier.verify(await mint(key, ISSUER, { iat: nowSeconds() + 3 }))).resolves.toBeTruthy();
    await expect(verifier.verify(await mint(key, ISSUER, { exp: nowSeconds() - 2 }))).resolves.toBeTruthy();
    await expect(verifier.verify(await mint(key, ISSUER, { exp: nowSeconds() - 30 }))).rejects.toMatchObject({
      reason: "token_expired",
    });
  });

  it("refuses a token revoked in the configured RevocationSet", async () => {
    const key = await makeKey();
    const revoked = new RevocationSet();
    cleanups.push(() => revoked.close());
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      revocations: revoked,
    });
    const token = await mint(key, ISSUER, { jti: "t-1" });
    await expect(verifier.verify(token)).resolves.toBeTruthy();
    revoked.add({ type: "jti", value: "t-1", expires_at: nowSeconds() + 600 });
    const err = await rejection(verifier.verify(token));
    expect(err).toMatchObject({
      code: "invalid_token",
      reason: "token_revoked",
      description: "token revoked",
    });
    expect(err.wwwAuthenticate).toContain('error_description="token revoked"');
  });
});

describe("scopes and WWW-Authenticate", () => {
  const ISSUER = "https://issuer.test";
  it("answers insufficient_scope (403) with the required scope in the challenge", async () => {
    const key = await makeKey();
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      realm: "orders",
    });
    const token = await mint(key, ISSUER, { scope: "orders:read profile" });
    await expect(verifier.verify(token, { scopes: ["orders:read"] })).resolves.toBeTruthy();
    const err = await rejection(verifier.verify(token, { scopes: ["orders:read", "orders:write"] }));
    expect(err).toMatchObject({ code: "insufficient_scope", status: 403 });
    expect(err.wwwAuthenticate).toBe(
      'Bearer realm="orders", error="insufficient_scope", ' +
        'error_description="the token does not grant the required scope", scope="orders:read orders:write"',
    );
    // A scope is matched whole, never as a prefix.
    const partial = await mint(key, ISSUER, { scope: "orders:readonly" });
    await expect(verifier.verify(partial, { scopes: ["orders:read"] })).rejects.toMatchObject({
      status: 403,
    });
  });

  it("quotes and escapes every parameter in one place", () => {
    expect(quoteHeaderValue('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(quoteHeaderValue("x\r\nSet-Cookie: y")).toBe('"x??Set-Cookie: y"');
    expect(formatWwwAuthenticate("Bearer", { realm: 'r"1', error: undefined, scope: "a\\b" })).toBe(
      'Bearer realm="r\\"1", scope="a\\\\b"',
    );
  });

  it("escapes a realm with quotes and backslashes in verifier errors", async () => {
    const key = await makeKey();
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [key.jwk] },
      realm: 'my "api" \\ v2',
    });
    const err = await rejection(verifier.verify("not-a-token"));
    expect(err.wwwAuthenticate).toBe(
      'Bearer realm="my \\"api\\" \\\\ v2", error="invalid_token", error_description="malformed token"',
    );
  });

  it("validates configuration at start-up", () => {
    expect(() => createVerifier({ issuer: "not a url", audience: AUDIENCE })).toThrow(TypeError);
    expect(() => createVerifier({ issuer: "https://i.test", audience: [] })).toThrow(TypeError);
    expect(() =>
      createVerifier({ issuer: "https://i.test", audience: AUDIENCE, clockTolerance: -1 }),
    ).toThrow(TypeError);
    expect(Object.isFrozen(createVerifier({ issuer: "https://i.test", audience: AUDIENCE }).config)).toBe(
      true,
    );
  });
});
