import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expressGuard, requireScopes as expressScopes } from "../src/adapters/express.js";
import { fastifyGuard, requireScopes as fastifyScopes, frontdeskGuard } from "../src/adapters/fastify.js";
import { type GuardEnv, honoGuard, requireScopes as honoScopes } from "../src/adapters/hono.js";
import { nodeGuard } from "../src/adapters/node.js";
import { createVerifier, type Verifier } from "../src/index.js";
import { fastifyApp, listen, makeKey, mint, type SigningKey } from "./helpers.js";

const ISSUER = "https://issuer.test";
let key: SigningKey;
let verifier: Verifier;

// Each app serves GET /me (any valid token) and GET /orders (needs orders:write), answering the claims' sub.
const apps: Record<string, () => Promise<Server>> = {
  "node:http": async () => {
    const guard = nodeGuard(verifier);
    const writer = guard.requireScopes("orders:write");
    return createServer(async (req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const claims = await (path === "/orders" ? writer : guard)(req, res);
      if (!claims) return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ sub: claims.sub }));
    });
  },
  express: async () => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(expressGuard(verifier));
    app.all("/me", (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    app.get("/orders", expressScopes("orders:write"), (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    return createServer(app);
  },
  fastify: async () => {
    const { app, server } = fastifyApp();
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    await app.register(async (scoped) => {
      await scoped.register(frontdeskGuard, { verifier });
      scoped.all("/me", async (request) => ({ sub: request.auth?.sub }));
      scoped.get("/orders", { preHandler: fastifyScopes("orders:write") }, async (request) => ({
        sub: request.auth?.sub,
      }));
    });
    app.get(
      "/per-route",
      { preHandler: fastifyGuard(verifier, { scopes: ["profile"] }) },
      async (request) => ({
        sub: request.auth?.sub,
      }),
    );
    await app.ready();
    return server();
  },
  hono: async () => {
    const app = new Hono<GuardEnv>();
    app.use("*", honoGuard(verifier));
    app.all("/me", (c) => c.json({ sub: c.get("auth").sub }));
    app.get("/orders", honoScopes("orders:write"), (c) => c.json({ sub: c.get("auth").sub }));
    return createAdaptorServer({ fetch: app.fetch }) as Server;
  },
};

beforeAll(async () => {
  key = await makeKey();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: "https://api.test",
    jwks: { keys: [key.jwk] },
    realm: "api",
  });
});

describe.each(Object.keys(apps))("%s adapter", (name) => {
  let base: string;
  let close: () => Promise<void>;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    const srv = await listen(await (apps[name] as () => Promise<Server>)());
    base = srv.url;
    close = srv.close;
    reader = await mint(key, ISSUER, { sub: "reader", scope: "orders:read profile" });
    writer = await mint(key, ISSUER, { sub: "writer", scope: "orders:read orders:write" });
  });
  afterAll(() => close());

  it("answers 401 with a bare Bearer challenge when no token is sent", async () => {
    const res = await fetch(`${base}/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 401 invalid_token for a bad token, without calling the handler", async () => {
    const res = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${reader}x` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(await res.json()).toMatchObject({ error: "invalid_token" });
  });

  it("accepts a valid token and hands the claims to the handler", async () => {
    const res = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${reader}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "reader" });
  });

  it("matches the Bearer scheme case-insensitively", async () => {
    for (const scheme of ["bearer", "BEARER"]) {
      const res = await fetch(`${base}/me`, { headers: { authorization: `${scheme} ${reader}` } });
      expect(res.status).toBe(200);
    }
  });

  it("refuses a token in the query string with 400 invalid_request", async () => {
    for (const headers of [{}, { authorization: `Bearer ${reader}` }] as Record<string, string>[]) {
      const res = await fetch(`${base}/me?access_token=${reader}`, { headers });
      expect(res.status).toBe(400);
      expect(res.headers.get("www-authenticate")).toMatch(/error="invalid_request"/);
    }
  });

  it("refuses a malformed Authorization header with 400", async () => {
    const res = await fetch(`${base}/me`, { headers: { authorization: "Bearer " } });
    expect(res.status).toBe(400);
    const two = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${reader}, Bearer ${writer}` },
    });
    expect(two.status).toBe(400);
  });

  it("answers 403 insufficient_scope with the scope in the challenge", async () => {
    const res = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${reader}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", ' +
        'error_description="the token does not grant the required scope", scope="orders:write"',
    );
    const ok = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${writer}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: "writer" });
  });

  if (name === "express" || name === "fastify") {
    it("refuses a token in a form body together with a header (multiple methods)", async () => {
      const res = await fetch(`${base}/me`, {
        method: "POST",
        headers: { authorization: `Bearer ${reader}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ access_token: reader }),
      });
      expect(res.status).toBe(400);
    });
  }

  if (name === "fastify") {
    it("works as a per-route preHandler with scopes", async () => {
      const ok = await fetch(`${base}/per-route`, { headers: { authorization: `Bearer ${reader}` } });
      expect(ok.status).toBe(200);
      const denied = await fetch(`${base}/per-route`, { headers: { authorization: `Bearer ${writer}` } });
      expect(denied.status).toBe(403);
    });
  }
});

describe("fastify adapter under app.inject()", () => {
  it("reads the headers of injected requests (they have no headersDistinct)", async () => {
    const app = Fastify();
    app.get("/me", { preHandler: fastifyGuard(verifier) }, async (request) => ({ sub: request.auth?.sub }));
    const token = await mint(key, ISSUER, { sub: "injected" });
    const ok = await app.inject({ url: "/me", headers: { authorization: `Bearer ${token}` } });
    expect([ok.statusCode, ok.json()]).toEqual([200, { sub: "injected" }]);
    const none = await app.inject({ url: "/me" });
    expect([none.statusCode, none.headers["www-authenticate"]]).toEqual([401, 'Bearer realm="api"']);
    const twice = await app.inject({
      url: "/me",
      // sent as two header lines (light-my-request's types allow strings only)
      headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } as unknown as Record<string, string>,
    });
    expect([twice.statusCode, twice.json().error]).toEqual([400, "invalid_request"]);
    await app.close();
  });
});

describe("adapters stay light", () => {
  it("import their framework for types only, and ioredis only dynamically", () => {
    const dir = new URL("../src/", import.meta.url);
    const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(String(file), dir), "utf8");
      for (const match of source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gm)) {
        const spec = match[1] as string;
        if (!spec.startsWith(".") && !spec.startsWith("node:") && spec !== "jose")
          offenders.push(`${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
