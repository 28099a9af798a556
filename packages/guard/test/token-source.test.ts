import { afterEach, describe, expect, it } from "vitest";
import { clientSecretBasic } from "../src/http/client-auth.js";
import {
  type ClientCredentialsOptions,
  clientCredentialsTokenSource,
  TokenRequestError,
} from "../src/index.js";
import { renewAfter } from "../src/service/token-source.js";
import { listen } from "./helpers.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A fake token endpoint (and metadata) that issues numbered tokens and records requests. */
async function startTokenEndpoint(
  options: { expiresIn?: number; delay?: number; answer?: Record<string, unknown> } = {},
) {
  const state = {
    issued: 0,
    metadata: 0,
    fail: undefined as undefined | number,
    forms: [] as URLSearchParams[],
    auth: [] as string[],
  };
  let base = "";
  const srv = await listen(async (req, res) => {
    if (req.url === "/.well-known/oauth-authorization-server") {
      state.metadata++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ issuer: base, token_endpoint: `${base}/token` }));
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    state.forms.push(new URLSearchParams(body));
    state.auth.push(req.headers.authorization ?? "");
    if (options.delay) await new Promise((r) => setTimeout(r, options.delay));
    res.setHeader("content-type", "application/json");
    if (state.fail) {
      res.statusCode = state.fail;
      res.end(JSON.stringify({ error: "invalid_client" }));
      return;
    }
    state.issued++;
    res.end(
      JSON.stringify({
        access_token: `token-${state.issued}`,
        token_type: "Bearer",
        expires_in: options.expiresIn ?? 600,
        ...options.answer,
      }),
    );
  });
  base = srv.url;
  closers.push(srv.close);
  return { url: srv.url, tokenEndpoint: `${srv.url}/token`, state };
}

function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (seconds: number) => (ms += seconds * 1000) };
}

describe("clientCredentialsTokenSource", () => {
  it("encodes client credentials per RFC 6749 2.3.1 (form-urlencoded, then base64)", () => {
    expect(clientSecretBasic("my client", "s:cr%t")).toBe(
      `Basic ${Buffer.from("my+client:s%3Acr%25t").toString("base64")}`,
    );
    expect(clientSecretBasic("my client", "s:cr%t")).toBe("Basic bXkrY2xpZW50OnMlM0FjciUyNXQ=");
  });

  it("sends a client_credentials request with scope and resources", async () => {
    const server = await startTokenEndpoint();
    const source = clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "billing:svc",
      clientSecret: "p@ss word",
      scope: ["orders:read", "orders:write"],
      resource: ["https://orders.test", "https://stock.test"],
    });
    expect(await source.getToken()).toBe("token-1");
    const form = server.state.forms[0] as URLSearchParams;
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(form.get("scope")).toBe("orders:read orders:write");
    expect(form.getAll("resource")).toEqual(["https://orders.test", "https://stock.test"]);
    const decoded = Buffer.from((server.state.auth[0] as string).replace(/^Basic /, ""), "base64").toString();
    expect(decoded).toBe("billing%3Asvc:p%40ss+word");
  });

  it("discovers the token endpoint from the issuer and caches the token", async () => {
    const server = await startTokenEndpoint();
    const source = clientCredentialsTokenSource({ issuer: server.url, clientId: "a", clientSecret: "b" });
    expect(await source.getToken()).toBe("token-1");
    expect(await source.getToken()).toBe("token-1");
    expect(await source.getToken()).toBe("token-1");
    expect(server.state).toMatchObject({ issued: 1, metadata: 1 });
  });

  it("renews before expiry (30 s early, never in the first half of the lifetime)", async () => {
    expect(renewAfter(600)).toBe(480);
    expect(renewAfter(60)).toBe(30);
    expect(renewAfter(20)).toBe(10);
    const server = await startTokenEndpoint({ expiresIn: 600 });
    const c = clock();
    const source = clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "a",
      clientSecret: "b",
      now: c.now,
    });
    expect(await source.getToken()).toBe("token-1");
    c.advance(479);
    expect(await source.getToken()).toBe("token-1");
    c.advance(2); // 481 s: within the renewal window, token still valid for 119 s
    expect(await source.getToken()).toBe("token-2");
    expect(server.state.issued).toBe(2);
  });

  it("builds Bearer headers for a call", async () => {
    const server = await startTokenEndpoint();
    const source = clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "a",
      clientSecret: "b",
    });
    expect(await source.headers("GET", "https://orders.test/orders")).toEqual({
      authorization: "Bearer token-1",
    });
  });

  it("shares one request between concurrent callers", async () => {
    const server = await startTokenEndpoint({ delay: 100 });
    const source = clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "a",
      clientSecret: "b",
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(server.state.forms.length).toBe(1);
  });

  it("surfaces the OAuth error, and keeps serving a still-valid token when renewal fails", async () => {
    const server = await startTokenEndpoint({ expiresIn: 600 });
    const c = clock();
    const source = clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "a",
      clientSecret: "b",
      now: c.now,
    });
    expect(await source.getToken()).toBe("token-1");
    server.state.fail = 401;
    c.advance(500); // renewal due, token valid for 100 s more
    expect(await source.getToken()).toBe("token-1");
    c.advance(98); // 2 s left: no longer served
    const err = await source.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect(err).toMatchObject({ error: "invalid_client", status: 401 });
    source.invalidate();
    await expect(source.getToken()).rejects.toBeInstanceOf(TokenRequestError);
  });
});

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

describe("TokenSource.exchange (RFC 8693)", () => {
  const source = (server: { tokenEndpoint: string }, extra: Partial<ClientCredentialsOptions> = {}) =>
    clientCredentialsTokenSource({
      tokenEndpoint: server.tokenEndpoint,
      clientId: "orders",
      clientSecret: "s",
      ...extra,
    });

  it("sends a token exchange request with the client's credentials, audience and scope", async () => {
    const server = await startTokenEndpoint();
    const tokens = source(server);
    expect(
      await tokens.exchange("person-token", { audience: "https://billing.test", scope: ["a", "b"] }),
    ).toBe("token-1");
    const form = server.state.forms[0] as URLSearchParams;
    expect(Object.fromEntries(form)).toEqual({
      grant_type: TOKEN_EXCHANGE,
      subject_token: "person-token",
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience: "https://billing.test",
      scope: "a b",
    });
    expect(server.state.auth[0]).toBe(clientSecretBasic("orders", "s"));
  });

  it("with actor: true, sends its own client-credentials token as the actor token", async () => {
    const server = await startTokenEndpoint();
    const tokens = source(server, { scope: "self" });
    await tokens.exchange("person-token", { audience: "https://billing.test", actor: true });
    const [own, exchanged] = server.state.forms as [URLSearchParams, URLSearchParams];
    expect(own.get("grant_type")).toBe("client_credentials");
    expect(exchanged.get("actor_token")).toBe("token-1");
    expect(exchanged.get("actor_token_type")).toBe(ACCESS_TOKEN_TYPE);
    // The own token is cached as usual: a second actor exchange asks for no new one.
    await tokens.exchange("other-person", { audience: "https://billing.test", actor: true });
    expect(server.state.forms.map((f) => f.get("grant_type"))).toEqual([
      "client_credentials",
      TOKEN_EXCHANGE,
      TOKEN_EXCHANGE,
    ]);
  });

  it("caches per subject token, audience, scope and actor; concurrent callers share one request; renews near expiry", async () => {
    const server = await startTokenEndpoint({ expiresIn: 300, delay: 50 });
    const c = clock();
    const tokens = source(server, { now: c.now });
    const ask = (subject: string, audience = "https://billing.test", scope?: string) =>
      tokens.exchange(subject, { audience, ...(scope ? { scope } : {}) });
    const same = await Promise.all(Array.from({ length: 10 }, () => ask("p1")));
    expect(new Set(same)).toEqual(new Set(["token-1"]));
    expect(await ask("p1")).toBe("token-1");
    expect(await ask("p2")).toBe("token-2");
    expect(await ask("p1", "https://stock.test")).toBe("token-3");
    expect(await ask("p1", "https://billing.test", "a")).toBe("token-4");
    expect(await ask("p1", "https://billing.test", "a")).toBe("token-4");
    c.advance(renewAfter(300) + 1);
    expect(await ask("p1")).toBe("token-5");
    expect(server.state.issued).toBe(5);
  });

  it("keeps at most exchangeCacheSize exchanged tokens, dropping the oldest", async () => {
    const server = await startTokenEndpoint();
    const tokens = source(server, { exchangeCacheSize: 2 });
    const ask = (subject: string) => tokens.exchange(subject, { audience: "https://billing.test" });
    expect([await ask("p1"), await ask("p2"), await ask("p3")]).toEqual(["token-1", "token-2", "token-3"]);
    expect(await ask("p3")).toBe("token-3");
    expect(await ask("p1")).toBe("token-4");
  });

  it("throws the OAuth error, and never serves a stale exchanged token when renewal fails", async () => {
    const server = await startTokenEndpoint({ expiresIn: 600 });
    const c = clock();
    const tokens = source(server, { now: c.now });
    expect(await tokens.exchange("p1", { audience: "https://billing.test" })).toBe("token-1");
    server.state.fail = 400;
    c.advance(500); // renewal due, token still valid for 100 s
    const err = await tokens.exchange("p1", { audience: "https://billing.test" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect(err).toMatchObject({ status: 400 });
    server.state.fail = undefined;
    expect(await tokens.exchange("p1", { audience: "https://billing.test" })).toBe("token-2");
  });

  it("refuses an answer that is not an access token, and a call without audience", async () => {
    const server = await startTokenEndpoint({
      answer: { issued_token_type: "urn:ietf:params:oauth:token-type:jwt" },
    });
    await expect(source(server).exchange("p1", { audience: "https://billing.test" })).rejects.toBeInstanceOf(
      TokenRequestError,
    );
    await expect(source(server).exchange("p1", { audience: "" })).rejects.toBeInstanceOf(TypeError);
  });

  it("invalidate() drops the exchanged tokens too", async () => {
    const server = await startTokenEndpoint();
    const tokens = source(server);
    expect(await tokens.exchange("p1", { audience: "https://billing.test" })).toBe("token-1");
    tokens.invalidate();
    expect(await tokens.exchange("p1", { audience: "https://billing.test" })).toBe("token-2");
  });
});
