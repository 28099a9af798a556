import { exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { clientCredentialsToken } from "../../helpers/http.js";
import { type Document, problems, type Schema } from "../../helpers/openapi.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { linkStoredIdentity, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../../helpers/upstream-oidc.js";
import { makeUser } from "../../helpers/users.js";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** Calls the admin API of `server` with a token (and a JSON body). */
async function call(
  server: TestServer,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${server.url}/admin/api${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}

async function adminToken(server: TestServer, scopes = "frontdesk:admin"): Promise<string> {
  return clientCredentialsToken(server, await server.client({ scopes }), {
    resource: `${server.issuer}/admin/api`,
  });
}

describe("admin API: upstream providers and users' linked identities", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  let token: string;
  let doc: Document;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    token = await adminToken(server);
    doc = (await (await fetch(`${server.url}/admin/api/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  const api = (method: string, path: string, body?: unknown) => call(server, method, path, token, body);
  /** The documented 200 schema of an operation. */
  const answerSchema = (path: string, method: string) =>
    doc.paths[`/admin/api${path}`]?.[method]?.responses["200"]?.content?.["application/json"]
      ?.schema as Schema;
  const listed = async () => (await api("GET", "/upstreams")).json.upstreams as Record<string, unknown>[];

  it("POST /upstreams adds an OpenID provider read from its discovery and answers {id, redirect_uri}; GET lists it without its secret; its button is on the sign-in page", async () => {
    const id = unique("corp-");
    const redirectUri = `${server.issuer}/upstream/${id}/callback`;
    const registered = upstream.client([redirectUri]);
    const added = await api("POST", "/upstreams", {
      id,
      name: "Corp API",
      issuer: upstream.issuer,
      client_id: registered.clientId,
      client_secret: registered.clientSecret,
      trust_email: true,
      domains: ["corp.example"],
      scopes: ["openid", "email"],
    });
    expect(added).toEqual({ status: 200, json: { id, redirect_uri: redirectUri } });
    expect(problems(added.json, answerSchema("/upstreams", "post"), doc)).toEqual([]);

    const list = await api("GET", "/upstreams");
    expect(list.status).toBe(200);
    expect(problems(list.json, answerSchema("/upstreams", "get"), doc)).toEqual([]);
    expect(JSON.stringify(list.json)).not.toContain(registered.clientSecret);
    expect((list.json.upstreams as { id: string }[]).find((p) => p.id === id)).toMatchObject({
      name: "Corp API",
      kind: "oidc",
      issuer: upstream.issuer,
      redirect_uri: redirectUri,
      trust_email: true,
      domains: ["corp.example"],
      scopes: ["openid", "email"],
    });
    const login = await (await new FormBrowser(server.issuer).request("/login")).text();
    expect(login).toContain("Continue with Corp API");
  });

  it("adds presets: plain OAuth 2.0 filled in for GitHub, Apple with its key in the body (sealed, never listed)", async () => {
    const github = unique("gh-");
    const apple = unique("apple-");
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const pem = await exportPKCS8(privateKey);
    expect(
      (await api("POST", "/upstreams", { id: github, preset: "github", client_id: "gh", client_secret: "s" }))
        .status,
    ).toBe(200);
    const added = await api("POST", "/upstreams", {
      id: apple,
      preset: "apple",
      client_id: "com.example.web",
      apple_team_id: "TEAM123456",
      apple_key_id: "KEY1234567",
      apple_private_key: pem,
    });
    expect(added.status, JSON.stringify(added.json)).toBe(200);
    const all = await listed();
    expect(all.find((p) => p.id === github)).toMatchObject({
      kind: "oauth2",
      preset: "github",
      userinfo_endpoint: "https://api.github.com/user",
      claims: { sub: "id", name: "name", preferred_username: "login" },
    });
    expect(all.find((p) => p.id === apple)).toMatchObject({
      response_mode: "form_post",
      apple: { team_id: "TEAM123456", key_id: "KEY1234567" },
    });
    expect(JSON.stringify(all)).not.toContain("PRIVATE KEY");
  });

  it("refuses a bad body with invalid_request naming the JSON field, and stores nothing", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const p384 = await exportPKCS8(privateKey);
    const base = { name: "Bad", client_id: "c", client_secret: "s" };
    const existing = unique("dup-");
    await api("POST", "/upstreams", { id: existing, preset: "google", client_id: "g", client_secret: "s" });
    const apple = { preset: "apple", client_id: "com.example.web", apple_team_id: "TEAM123456" };
    const cases: [body: unknown, message: string][] = [
      ["not json", "malformed JSON body"],
      [[1, 2], "the body must be a JSON object"],
      [{ ...base, id: unique("x-"), issuer: upstream.issuer, password: "x" }, "unknown field(s) password"],
      [{ ...base, issuer: upstream.issuer }, "id: required"],
      [{ ...base, id: "Bad ID", issuer: upstream.issuer }, "id: 1-32 lower-case letters"],
      [{ ...base, id: existing, issuer: upstream.issuer }, `id: a provider "${existing}" exists`],
      [{ ...base, id: unique("x-"), issuer: "http://127.0.0.1:1" }, "issuer: could not read"],
      [{ ...base, id: unique("x-"), kind: "saml" }, "kind: oidc"],
      [{ ...base, id: unique("x-"), preset: "okta" }, "preset: one of"],
      [{ ...base, id: unique("x-"), preset: "microsoft", trust_email: true }, "trust_email: microsoft"],
      [{ ...base, id: unique("x-"), preset: "google", trust_email: "yes" }, "trust_email: true or false"],
      [{ ...base, id: unique("x-"), preset: "google", scopes: "openid email" }, "scopes: a list of strings"],
      [{ ...base, id: unique("x-"), preset: "github", claims: ["sub=id"] }, "claims: an object"],
      [{ ...base, id: unique("x-"), kind: "oauth2" }, "authorization_endpoint: required with kind oauth2"],
      [
        { name: "Bad", id: unique("x-"), issuer: upstream.issuer, client_id: "c" },
        "client_secret: Frontdesk is a confidential client",
      ],
      [{ ...apple, id: unique("x-") }, "apple_team_id, apple_key_id and apple_private_key: give all three"],
      [
        { ...apple, id: unique("x-"), apple_key_id: "KEY1234567", apple_private_key: p384 },
        "apple_private_key: not an ES256",
      ],
    ];
    const before = (await listed()).map((p) => p.id);
    for (const [body, message] of cases) {
      const answer = await api("POST", "/upstreams", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toBe("invalid_request");
      expect(answer.json.error_description, JSON.stringify(body)).toContain(message);
    }
    expect((await listed()).map((p) => p.id)).toEqual(before);
  });

  it("DELETE /upstreams/{upstream} removes a provider and the identities linked through it; an unknown one is 404", async () => {
    const id = unique("gone-");
    await api("POST", "/upstreams", { id, preset: "gitlab", client_id: "gl", client_secret: "s" });
    const { user } = await makeUser(server.ctx);
    const { identities } = upstreamOf(server.ctx);
    await linkStoredIdentity(server.ctx, { providerId: id, userId: user.id, issuer: "https://gitlab.com" });
    const removed = await api("DELETE", `/upstreams/${id}`);
    expect(removed).toEqual({ status: 200, json: { deleted: id } });
    expect(problems(removed.json, answerSchema("/upstreams/{upstream}", "delete"), doc)).toEqual([]);
    expect((await listed()).map((p) => p.id)).not.toContain(id);
    expect(await identities.listByUser(user.id)).toEqual([]);
    expect((await api("DELETE", `/upstreams/${id}`)).status).toBe(404);
  });

  it("GET /users/{user}/identities lists them; DELETE …/identities/{identity} refuses the last way in unless force=true", async () => {
    const provider = unique("idp-");
    await api("POST", "/upstreams", { id: provider, preset: "google", client_id: "g", client_secret: "s" });
    const user = await createUser(server.ctx, { username: unique("nopass-") });
    const { identities } = upstreamOf(server.ctx);
    const { id: identityId } = await linkStoredIdentity(server.ctx, {
      providerId: provider,
      userId: user.id,
      issuer: "https://accounts.google.com",
      subject: "1234567890",
      email: "who@gmail.example",
      lastUsedAt: 1_700_000_100,
    });
    const list = await api("GET", `/users/${user.username}/identities`);
    expect(list).toEqual({
      status: 200,
      json: {
        user: user.id,
        identities: [
          {
            id: identityId,
            provider,
            issuer: "https://accounts.google.com",
            subject: "1234567890",
            email: "who@gmail.example",
            created_at: 1_700_000_000,
            last_used_at: 1_700_000_100,
          },
        ],
      },
    });
    expect(problems(list.json, answerSchema("/users/{user}/identities", "get"), doc)).toEqual([]);

    const path = `/users/${user.id}/identities/${identityId}`;
    const refused = await api("DELETE", path);
    expect(refused.status).toBe(400);
    expect(refused.json.error_description).toContain("only way to sign in");
    expect((await api("DELETE", `${path}?force=maybe`)).status).toBe(400);
    expect(await identities.listByUser(user.id)).toHaveLength(1);
    const removed = await api("DELETE", `${path}?force=true`);
    expect(removed).toEqual({ status: 200, json: { deleted: identityId, user: user.id } });
    expect(
      problems(removed.json, answerSchema("/users/{user}/identities/{identity}", "delete"), doc),
    ).toEqual([]);
    expect(await identities.listByUser(user.id)).toEqual([]);
    expect((await api("DELETE", path)).status).toBe(404);
    expect((await api("GET", "/users/nobody-at-all/identities")).status).toBe(404);
  });

  it("a user with a password loses an identity without force", async () => {
    const provider = unique("pw-");
    await api("POST", "/upstreams", { id: provider, preset: "google", client_id: "g", client_secret: "s" });
    const { user, username } = await makeUser(server.ctx);
    const { id: identityId } = await linkStoredIdentity(server.ctx, {
      providerId: provider,
      userId: user.id,
    });
    expect(await api("DELETE", `/users/${username}/identities/${identityId}`)).toEqual({
      status: 200,
      json: { deleted: identityId, user: user.id },
    });
  });

  it("takes the admin API's authentication: no token 401, a token without the admin scope 403", async () => {
    const weak = await adminToken(server, "read");
    for (const [method, path] of [
      ["GET", "/upstreams"],
      ["POST", "/upstreams"],
      ["DELETE", "/upstreams/x"],
      ["GET", "/users/x/identities"],
      ["DELETE", "/users/x/identities/y"],
    ] as const) {
      expect((await call(server, method, path, undefined)).status, `${method} ${path}`).toBe(401);
      expect((await call(server, method, path, weak)).status, `${method} ${path}`).toBe(403);
    }
  });
});

describe("the upstream admin routes exist only while both the admin and the upstream features are enabled", () => {
  const paths = [
    ["GET", "/upstreams"],
    ["POST", "/upstreams"],
    ["GET", "/users/x/identities"],
  ] as const;

  it("with the upstream feature disabled: 404, and not in the OpenAPI document", async () => {
    const server = await startTestServer({ features: { upstream: { enabled: false } } });
    try {
      const token = await adminToken(server);
      for (const [method, path] of paths)
        expect((await call(server, method, path, token)).status, `${method} ${path}`).toBe(404);
      const doc = (await (await fetch(`${server.url}/admin/api/openapi.json`)).json()) as Document;
      expect(Object.keys(doc.paths)).toContain("/admin/api/users");
      expect(Object.keys(doc.paths).filter((p) => /upstream|identities/.test(p))).toEqual([]);
      expect(doc.tags.map((t) => t.name)).not.toContain("upstreams");
    } finally {
      await server.close();
    }
  });

  it("with the admin feature disabled: 404 (and no admin token can be had)", async () => {
    const server = await startTestServer({ features: { admin: { enabled: false } } });
    try {
      await expect(adminToken(server)).rejects.toThrow(/token request failed/);
      const token = await clientCredentialsToken(server, await server.client({ scopes: "frontdesk:admin" }));
      for (const [method, path] of paths)
        expect((await call(server, method, path, token)).status, `${method} ${path}`).toBe(404);
      expect((await fetch(`${server.url}/admin/api/openapi.json`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
