import { decodeJwt, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, clientCredentialsToken, postForm, postRaw } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe("introspection (RFC 7662) and revocation (RFC 7009)", () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  /** The resource server that introspects. */
  let rs: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer();
    const issuer = new URL(server.issuer);
    as = await oauth
      .discoveryRequest(issuer, { algorithm: "oauth2", ...insecure })
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    rs = await server.client({ name: "resource server", scopes: "" });
  });
  afterAll(() => server.close());

  async function introspect(token: string, caller = rs) {
    const res = await postForm(
      server,
      "/introspect",
      { token },
      { authorization: basic(caller.id, caller.secret) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    return res.json as Record<string, unknown>;
  }

  async function revoke(token: string, caller: { id: string; secret: string }, hint?: string) {
    return postForm(
      server,
      "/revoke",
      { token, ...(hint ? { token_type_hint: hint } : {}) },
      { authorization: basic(caller.id, caller.secret) },
    );
  }

  it("an issued token introspects active with its claims (oauth4webapi)", async () => {
    const app = await server.client({ scopes: "read write" });
    const token = await clientCredentialsToken(server, app, { scope: "read" });
    const claims = decodeJwt(token);
    const response = await oauth.introspectionRequest(
      as,
      { client_id: rs.id },
      oauth.ClientSecretBasic(rs.secret),
      token,
      insecure,
    );
    const result = await oauth.processIntrospectionResponse(as, { client_id: rs.id }, response);
    expect(result.active).toBe(true);
    expect(result).toMatchObject({
      iss: server.issuer,
      sub: app.id,
      client_id: app.id,
      scope: "read",
      aud: `${server.issuer}/api`,
      jti: claims.jti,
      exp: claims.exp,
      iat: claims.iat,
    });
  });

  it("client_secret_post authenticates introspection too", async () => {
    const app = await server.client();
    const token = await clientCredentialsToken(server, app);
    const res = await postForm(server, "/introspect", { token, client_id: rs.id, client_secret: rs.secret });
    expect(res.json?.active).toBe(true);
  });

  it.each([
    ["garbage", "not-a-token"],
    ["a JWT-looking string", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
    ["a huge string", "a".repeat(10_000)],
  ])("%s introspects as exactly {active:false}", async (_what, token) => {
    expect(await introspect(token)).toEqual({ active: false });
  });

  it("a token with a tampered payload is inactive", async () => {
    const app = await server.client({ scopes: "read write" });
    const token = await clientCredentialsToken(server, app, { scope: "read" });
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p as string, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: "read write admin" })).toString("base64url")}.${s}`;
    expect(await introspect(forged)).toEqual({ active: false });
  });

  /** Signs claims with the server's own active key, so only the checks under test can fail. */
  async function signWithServerKey(claims: Record<string, unknown>, typ = "at+jwt") {
    const key = await server.ctx.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: server.issuer,
      sub: rs.id,
      aud: `${server.issuer}/api`,
      client_id: rs.id,
      jti: `forged-${now}-${Math.random()}`,
      iat: now,
      exp: now + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .sign(key.key);
  }

  it("the control: a well-formed token signed with the server's key introspects active", async () => {
    expect((await introspect(await signWithServerKey({}))).active).toBe(true);
  });

  it.each([
    ["typ JWT instead of at+jwt (an ID token must not pass as an access token)", {}, "JWT"],
    ["another issuer", { iss: "https://other.example.com" }, "at+jwt"],
    ["no jti", { jti: undefined }, "at+jwt"],
    ["no client_id", { client_id: undefined }, "at+jwt"],
    ["an unknown client_id", { client_id: "deleted-client" }, "at+jwt"],
  ] as [string, Record<string, unknown>, string][])(
    "a token signed with the server's key but with %s is inactive",
    async (_what, claims, typ) => {
      expect(await introspect(await signWithServerKey(claims, typ))).toEqual({ active: false });
    },
  );

  it("algorithm confusion: an HS256 token keyed with the public JWK, or alg none, is inactive", async () => {
    const key = await server.ctx.keys.signingKey();
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    const publicJwk = jwks.keys.find((k) => k.kid === key.kid);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: server.issuer, sub: rs.id, client_id: rs.id, jti: "hs", iat: now, exp: now + 60 };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "at+jwt" })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    expect(await introspect(hs)).toEqual({ active: false });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none", typ: "at+jwt", kid: key.kid })}.${b64(claims)}.`;
    expect(await introspect(none)).toEqual({ active: false });
  });

  it("an expired token introspects inactive", async () => {
    const short = await startTestServer({ accessTokenTtl: 1 });
    try {
      const app = await short.client();
      const caller = await short.client();
      const token = await clientCredentialsToken(short, app);
      const before = await postForm(
        short,
        "/introspect",
        { token },
        { authorization: basic(caller.id, caller.secret) },
      );
      expect(before.json?.active).toBe(true);
      await new Promise((r) => setTimeout(r, 2100));
      const after = await postForm(
        short,
        "/introspect",
        { token },
        { authorization: basic(caller.id, caller.secret) },
      );
      expect(after.json).toEqual({ active: false });
    } finally {
      await short.close();
    }
  });

  it("introspection without client authentication -> 401 invalid_client", async () => {
    const app = await server.client();
    const token = await clientCredentialsToken(server, app);
    const res = await postForm(server, "/introspect", { token });
    expect(res.status).toBe(401);
    expect(res.json?.error).toBe("invalid_client");
    expect(res.json?.active).toBeUndefined();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("introspection with a wrong secret -> 401 invalid_client with a Basic challenge", async () => {
    const res = await postForm(
      server,
      "/introspect",
      { token: "x" },
      { authorization: basic(rs.id, "nope") },
    );
    expect(res.status).toBe(401);
    expect(res.json?.error).toBe("invalid_client");
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("a public client cannot introspect", async () => {
    const pub = await server.client({
      public: true,
      grantTypes: ["authorization_code"],
      redirectUris: ["http://localhost:8080/cb"],
    });
    const res = await postForm(server, "/introspect", { token: "x", client_id: pub.id });
    expect(res.status).toBe(401);
    expect(res.json?.error).toBe("invalid_client");
  });

  it.each(["/introspect", "/revoke"])(
    "%s refuses a JSON body (even with valid credentials) with invalid_request",
    async (path) => {
      const app = await server.client();
      const token = await clientCredentialsToken(server, app);
      const res = await postRaw(server, path, JSON.stringify({ token }), {
        "content-type": "application/json",
        authorization: basic(app.id, app.secret),
      });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe("invalid_request");
      expect((await introspect(token)).active).toBe(true);
    },
  );

  it("introspection without a token -> invalid_request", async () => {
    const res = await postForm(server, "/introspect", {}, { authorization: basic(rs.id, rs.secret) });
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe("invalid_request");
  });

  it("after revocation by its client, the token introspects active:false (oauth4webapi)", async () => {
    const app = await server.client();
    const token = await clientCredentialsToken(server, app);
    expect((await introspect(token)).active).toBe(true);
    const response = await oauth.revocationRequest(
      as,
      { client_id: app.id },
      oauth.ClientSecretBasic(app.secret),
      token,
      insecure,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    await oauth.processRevocationResponse(response);
    expect(await introspect(token)).toEqual({ active: false });
    // Revoking again is still 200.
    expect((await revoke(token, app)).status).toBe(200);
  });

  it("revocation with token_type_hint=refresh_token still finds an access token", async () => {
    const app = await server.client();
    const token = await clientCredentialsToken(server, app);
    expect((await revoke(token, app, "refresh_token")).status).toBe(200);
    expect(await introspect(token)).toEqual({ active: false });
  });

  it("revoking another client's token answers 200 and changes nothing", async () => {
    const owner = await server.client();
    const attacker = await server.client();
    const token = await clientCredentialsToken(server, owner);
    const res = await revoke(token, attacker);
    expect(res.status).toBe(200);
    expect(await introspect(token)).toMatchObject({ active: true, client_id: owner.id });
  });

  it("revoking an unknown token answers 200", async () => {
    const app = await server.client();
    const res = await revoke("unknown-token-value", app);
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
  });

  it("revocation without client authentication -> 401 invalid_client, and the token stays active", async () => {
    const app = await server.client();
    const token = await clientCredentialsToken(server, app);
    const res = await postForm(server, "/revoke", { token });
    expect(res.status).toBe(401);
    expect(res.json?.error).toBe("invalid_client");
    const wrong = await postForm(server, "/revoke", { token }, { authorization: basic(app.id, "wrong") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect((await introspect(token)).active).toBe(true);
  });

  it("revocation without a token -> invalid_request", async () => {
    const app = await server.client();
    const res = await postForm(server, "/revoke", {}, { authorization: basic(app.id, app.secret) });
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe("invalid_request");
  });

  it("revoking one token leaves the client's other tokens active", async () => {
    const app = await server.client();
    const a = await clientCredentialsToken(server, app);
    const b = await clientCredentialsToken(server, app);
    await revoke(a, app);
    expect((await introspect(a)).active).toBe(false);
    expect((await introspect(b)).active).toBe(true);
  });
});
