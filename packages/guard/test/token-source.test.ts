import { afterEach, describe, expect, it } from "vitest";
import { clientSecretBasic } from "../src/http/client-auth.js";
import { clientCredentialsTokenSource, TokenRequestError } from "../src/index.js";
import { renewAfter } from "../src/service/token-source.js";
import { listen } from "./helpers.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A fake token endpoint (and metadata) that issues numbered tokens and records requests. */
async function startTokenEndpoint(options: { expiresIn?: number; delay?: number } = {}) {
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
