import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientInput, InvalidClientMetadata, registerClient } from "../src/clients/registration.js";
import { FLAGS } from "../src/config/env.js";
import { basic, clientCredentialsToken, postForm, runCli, runCliJson } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("CLI contract (`frontdesk client|keys ... --json`) against a running server on the same data dir", () => {
  let server: TestServer;
  let dir: string[];
  beforeAll(async () => {
    server = await startTestServer();
    dir = ["--data-dir", server.dataDir];
  });
  afterAll(() => server.close());

  it("client create prints {client_id, client_secret}, and the secret works on the running server", async () => {
    const created = await runCliJson([
      "client",
      "create",
      "--name",
      "reports",
      "--grant-types",
      "client_credentials",
      "--scopes",
      "a b",
      ...dir,
    ]);
    expect(Object.keys(created).sort()).toEqual(["client_id", "client_secret"]);
    const id = String(created.client_id);
    const secret = String(created.client_secret);
    expect(secret.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const res = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "a b" },
      { authorization: basic(id, secret) },
    );
    expect(res.status).toBe(200);
    expect(res.json?.scope).toBe("a b");
    const denied = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials", scope: "c" },
      { authorization: basic(id, secret) },
    );
    expect(denied.json?.error).toBe("invalid_scope");
  });

  it("client create --public prints no secret", async () => {
    const created = await runCliJson([
      "client",
      "create",
      "--name",
      "spa",
      "--public",
      "--grant-types",
      "authorization_code,refresh_token",
      "--redirect-uri",
      "http://localhost:5173/callback",
      "--scopes",
      "openid",
      ...dir,
    ]);
    expect(typeof created.client_id).toBe("string");
    expect(created).not.toHaveProperty("client_secret");
  });

  it("client list shows created clients (never a secret); client delete removes one and its tokens go inactive", async () => {
    const a = await runCliJson([
      "client",
      "create",
      "--name",
      "to-delete",
      "--grant-types",
      "client_credentials",
      ...dir,
    ]);
    const id = String(a.client_id);
    const token = await clientCredentialsToken(server, { id, secret: String(a.client_secret) });
    const rs = await server.client();
    const introspect = async () =>
      (await postForm(server, "/introspect", { token }, { authorization: basic(rs.id, rs.secret) })).json;
    expect((await introspect())?.active).toBe(true);

    const listed = await runCliJson(["client", "list", ...dir]);
    const clients = listed.clients as Record<string, unknown>[];
    const entry = clients.find((c) => c.client_id === id);
    expect(entry).toMatchObject({ name: "to-delete", grant_types: ["client_credentials"], public: false });
    expect(JSON.stringify(listed)).not.toContain(String(a.client_secret));
    expect(JSON.stringify(listed)).not.toMatch(/secret_hash|secretHash/);

    expect(await runCliJson(["client", "delete", id, ...dir])).toEqual({ deleted: id });
    expect((await introspect())?.active).toBe(false);
    expect(await server.ctx.durable.clients.get(id)).toBeUndefined();
    const refused = await postForm(
      server,
      "/token",
      { grant_type: "client_credentials" },
      { authorization: basic(id, String(a.client_secret)) },
    );
    expect(refused.status).toBe(401);

    const again = await runCli(["client", "delete", id, ...dir, "--json"]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(id);
  });

  it("keys list and keys rotate print JSON", async () => {
    const list = await runCliJson(["keys", "list", ...dir]);
    const keys = list.keys as { kid: string; state: string; alg: string }[];
    expect(keys.map((k) => k.state).sort()).toEqual(["active", "next"]);
    expect(JSON.stringify(list)).not.toMatch(/privateJwe|"d":/);
    const next = keys.find((k) => k.state === "next")?.kid;
    const rotated = await runCliJson(["keys", "rotate", ...dir]);
    expect(rotated.activated).toBe(next);
  });

  it.concurrent.each([
    ["an unknown grant type", ["--grant-types", "bogus"], /grant type "bogus"/],
    [
      "a redirect URI with a fragment",
      ["--grant-types", "authorization_code", "--redirect-uri", "https://app.example.com/cb#frag"],
      /fragment/,
    ],
    [
      "an http redirect URI that is not localhost",
      ["--grant-types", "authorization_code", "--redirect-uri", "http://app.example.com/cb"],
      /https/,
    ],
  ])("client create with %s fails with a clear message and creates nothing", async (what, args, message) => {
    const name = `bad: ${what}`;
    const result = await runCli(["client", "create", "--name", name, ...args, ...dir]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const clients = await server.ctx.durable.clients.list();
    expect(clients.some((c) => c.name === name)).toBe(false);
  });

  it("a redirect URI without a scheme is refused: client create --redirect-uri localhost:8080/callback exits non-zero and creates nothing", async () => {
    const name = "scheme-less redirect";
    const result = await runCli([
      "client",
      "create",
      "--name",
      name,
      "--public",
      "--grant-types",
      "authorization_code",
      "--redirect-uri",
      "localhost:8080/callback",
      ...dir,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'redirect URI "localhost:8080/callback" has no scheme: write http://localhost:8080/callback',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const clients = await server.ctx.durable.clients.list();
    expect(clients.some((c) => c.name === name)).toBe(false);
  });

  it("with --json, a failure is one JSON object on stderr", async () => {
    const result = await runCli([
      "client",
      "create",
      "--name",
      "bad",
      "--grant-types",
      "bogus",
      ...dir,
      "--json",
    ]);
    expect(result.code).not.toBe(0);
    expect(JSON.parse(result.stderr.trim())).toMatchObject({ error: expect.stringContaining("bogus") });
  });

  it("a configuration error exits 2 and names the variable", async () => {
    const result = await runCli(["keys", "list", ...dir], { FRONTDESK_ACCESS_TOKEN_TTL: "abc" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("FRONTDESK_ACCESS_TOKEN_TTL");
  });
});

describe("configuration flags", () => {
  it("every flag a configuration message names is a real option of `frontdesk start` (and --data-dir of every command)", async () => {
    const start = await runCli(["start", "--help"]);
    for (const flag of Object.values(FLAGS)) expect(start.stdout).toContain(`${flag} <`);
    const list = await runCli(["client", "list", "--help"]);
    expect(list.stdout).toContain(`${FLAGS.dataDir} <`);
  });
});

describe("client registration rules (in process; the CLI maps each to a non-zero exit)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const base: ClientInput = { name: "x", grantTypes: ["client_credentials"], scopes: "" };
  it.each([
    ["a relative redirect URI", { grantTypes: ["authorization_code"], redirectUris: ["/cb"] }, /absolute/],
    [
      "a javascript: redirect URI",
      { grantTypes: ["authorization_code"], redirectUris: ["javascript:alert(1)"] },
      /scheme|https/,
    ],
    ["authorization_code without a redirect URI", { grantTypes: ["authorization_code"] }, /redirect-uri/],
    ["a public client_credentials client", { public: true }, /public/],
    ["a malformed scope", { scopes: 'a "b' }, /scope/],
    ["no grant type", { grantTypes: [] }, /grant type/],
    ["an empty name", { name: "  " }, /name/],
    [
      "a post-logout redirect URI without a scheme",
      { postLogoutRedirectUris: ["localhost:8080/"] },
      /post-logout redirect URI "localhost:8080\/" has no scheme: write http:\/\/localhost:8080\//,
    ],
    [
      "a custom scheme that is not a reverse domain name",
      { grantTypes: ["authorization_code"], redirectUris: ["myapp:/callback"] },
      /com\.example\.app:\/callback/,
    ],
    [
      "an http post-logout URI that is not localhost",
      { postLogoutRedirectUris: ["http://app.example.com/"] },
      /https/,
    ],
  ] as [string, Partial<ClientInput>, RegExp][])(
    "refuses %s and stores nothing",
    async (_what, input, message) => {
      const before = (await server.ctx.durable.clients.list()).length;
      const attempt = registerClient(server.ctx, { ...base, ...input });
      await expect(attempt).rejects.toBeInstanceOf(InvalidClientMetadata);
      await expect(attempt).rejects.toThrow(message);
      expect((await server.ctx.durable.clients.list()).length).toBe(before);
    },
  );

  it("accepts loopback http redirect URIs, https ones and reverse-domain private-use schemes; stores only a hash of the secret", async () => {
    const { client, secret } = await registerClient(server.ctx, {
      name: "web",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: [
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "https://app.example.com/cb",
        "com.example.app:/callback",
      ],
      scopes: "openid",
    });
    expect(typeof secret).toBe("string");
    const stored = await server.ctx.durable.clients.get(client.id);
    expect(stored?.secretHash).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(secret as string);
  });
});
