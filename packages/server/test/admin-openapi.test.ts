import type { FastifyPluginAsync, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineFeature, type FeatureRouteOptions } from "../src/features/contract.js";
import { buildApp } from "../src/main/app.js";
import { FEATURES } from "../src/main/features.js";
import { clientCredentialsToken } from "./helpers/http.js";
import { type Document, type Operation, problems, type Schema } from "./helpers/openapi.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { makeUser } from "./helpers/users.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * Every route a freshly built app registers, seen by an onRoute hook at the root
 * (a plugin marked skip-override, as fastify-plugin does, is not encapsulated).
 */
async function servedRoutes(server: TestServer): Promise<{ method: string; url: string }[]> {
  const seen: { method: string; url: string }[] = [];
  const probe: FastifyPluginAsync<FeatureRouteOptions> = Object.assign(
    async (app: Parameters<FastifyPluginAsync<FeatureRouteOptions>>[0]) => {
      app.addHook("onRoute", (route: RouteOptions) => {
        for (const method of [route.method].flat()) seen.push({ method, url: route.url });
      });
    },
    { [Symbol.for("skip-override")]: true },
  );
  const routeProbe = defineFeature({ name: "routeProbe", build: () => ({ routes: probe }) });
  const app = await buildApp(server.ctx, [routeProbe, ...FEATURES]);
  await app.close();
  return seen;
}

describe("the admin API's OpenAPI 3.1 description (GET /admin/api/openapi.json)", () => {
  let server: TestServer;
  let doc: Document;
  beforeAll(async () => {
    server = await startTestServer();
    const answer = await fetch(`${server.url}/admin/api/openapi.json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    doc = (await answer.json()) as Document;
  });
  afterAll(() => server.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );

  it("is served without a token and is valid OpenAPI 3.1 structure: openapi, info, paths, components.securitySchemes bearer and dpop", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe("Frontdesk admin API");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.servers).toEqual([{ url: server.issuer }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.dpop).toMatchObject({ type: "http", scheme: "DPoP" });
    expect(doc.security).toEqual([{ bearer: [] }, { dpop: [] }]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);

    const tags = new Set(doc.tags.map((t) => t.name));
    const ids = new Set<string>();
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path, where).toMatch(/^\//);
      expect(METHODS, where).toContain(method);
      expect(operation.summary, where).toBeTruthy();
      expect(ids.has(operation.operationId), `${where}: operationId is unique`).toBe(false);
      ids.add(operation.operationId);
      for (const tag of operation.tags ?? []) expect(tags, where).toContain(tag);
      for (const requirement of operation.security ?? doc.security)
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes, where).toHaveProperty(scheme);
      // Path templates and path parameters name the same things, each required.
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), where).toEqual(templated.sort());
      for (const p of declared) expect(p.required, where).toBe(true);
      for (const p of operation.parameters ?? [])
        expect(["path", "query", "header", "cookie"], where).toContain(p.in);
      expect(Object.keys(operation.responses).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status, where).toMatch(/^[1-5]\d\d$/);
        expect(response.description, where).toBeTruthy();
        for (const media of Object.values(response.content ?? {}))
          for (const [, name] of JSON.stringify(media.schema).matchAll(
            /"\$ref":"#\/components\/schemas\/(\w+)"/g,
          ))
            expect(doc.components.schemas, `${where}: $ref ${name}`).toHaveProperty(name as string);
      }
    }
    // The description itself needs no token.
    expect(doc.paths["/admin/api/openapi.json"]?.get?.security).toEqual([]);
  });

  it("documents every admin route the server serves, with its method, and no route it does not serve", async () => {
    const served = (await servedRoutes(server))
      .filter((r) => r.url.startsWith("/admin/api/") && r.method !== "HEAD")
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(served.length).toBeGreaterThanOrEqual(11);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
    for (const route of [
      "GET /admin/api/users",
      "POST /admin/api/users/{user}/enable",
      "DELETE /admin/api/users/{user}",
      "POST /admin/api/clients/{client}/rotate-secret",
      "GET /admin/api/keys",
    ])
      expect(documented).toContain(route);
  });

  it("the answers of the routes match their documented 200 schemas", async () => {
    const ops = server.client({ scopes: "frontdesk:admin" });
    const admin = await clientCredentialsToken(server, await ops, { resource: `${server.issuer}/admin/api` });
    const { username } = await makeUser(server.ctx);
    const victim = await server.client();
    const calls: [string, string][] = [
      ["get", "/admin/api/users"],
      ["get", "/admin/api/clients"],
      ["get", "/admin/api/keys"],
      ["post", `/admin/api/users/${username}/revoke`],
      ["post", `/admin/api/users/${username}/disable`],
      ["post", `/admin/api/users/${username}/enable`],
      ["post", `/admin/api/clients/${victim.id}/rotate-secret`],
      ["post", "/admin/api/keys/rotate"],
      ["delete", `/admin/api/clients/${victim.id}`],
      ["delete", `/admin/api/users/${username}`],
    ];
    const templates = Object.keys(doc.paths).map((p) => ({
      p,
      re: new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`),
    }));
    for (const [method, url] of calls) {
      const answer = await fetch(`${server.url}${url}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(answer.status, url).toBe(200);
      const path = templates.find((t) => t.re.test(url))?.p as string;
      const schema = doc.paths[path]?.[method]?.responses["200"]?.content?.["application/json"]?.schema;
      expect(schema, `${method} ${path}`).toBeDefined();
      expect(problems(await answer.json(), schema as Schema, doc), `${method} ${url}`).toEqual([]);
    }
    // POST /users takes its documented JSON body.
    const create = doc.paths["/admin/api/users"]?.post as Operation & {
      requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
    };
    const bodySchema = create.requestBody?.content["application/json"]?.schema as Schema;
    const body = { username: `doc-${Date.now()}`, email: "doc@example.test", roles: ["viewer"] };
    expect(problems(body, bodySchema, doc)).toEqual([]);
    const created = await fetch(`${server.url}/admin/api/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(200);
    const schema = create.responses["200"]?.content?.["application/json"]?.schema as Schema;
    expect(problems(await created.json(), schema, doc)).toEqual([]);
    expect(create.responses["400"]).toBeDefined();
  });
});
