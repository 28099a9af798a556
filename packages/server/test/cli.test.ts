import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClientInput, InvalidClientMetadata, registerClient } from "../src/clients/registration.js";
import { FLAGS } from "../src/config/env.js";
import { registrationOfferFor } from "../src/main/services.js";
import { basic, clientCredentialsToken, fieldNames, postForm, runCli, runCliJson } from "./helpers/http.js";
import { startTestServer, type TestServer, tempDir } from "./helpers/server.js";

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

  it("client update changes metadata with the rules of client create, prints the description, and the running server sees it at once", async () => {
    const created = await runCliJson([
      "client",
      "create",
      ...["--name", "updatable", "--grant-types", "client_credentials", "--scopes", "a b"],
      ...dir,
    ]);
    const id = String(created.client_id);
    const client = { id, secret: String(created.client_secret) };
    const scopeAnswer = async (scope: string) =>
      (
        await postForm(
          server,
          "/token",
          { grant_type: "client_credentials", scope },
          { authorization: basic(client.id, client.secret) },
        )
      ).json;
    expect((await scopeAnswer("a"))?.scope).toBe("a"); // the server now holds the record in its cache
    expect((await scopeAnswer("c"))?.error).toBe("invalid_scope");

    const updated = await runCliJson([
      "client",
      "update",
      id,
      "--name",
      "renamed",
      "--scopes",
      "a b c",
      ...dir,
    ]);
    expect(updated).toEqual({
      client_id: id,
      name: "renamed",
      public: false,
      first_party: false,
      grant_types: ["client_credentials"],
      scopes: ["a", "b", "c"],
      redirect_uris: [],
      post_logout_redirect_uris: [],
      previous_secret_expires_at: null,
      created_at: expect.any(Number),
    });
    expect((await scopeAnswer("c"))?.scope).toBe("c");
    await runCliJson(["client", "update", id, "--scopes", "a", ...dir]);
    expect((await scopeAnswer("b"))?.error).toBe("invalid_scope");

    const web = await runCliJson([
      "client",
      "update",
      id,
      ...["--grant-types", "authorization_code,client_credentials"],
      ...["--redirect-uri", "https://app.example.com/one", "--redirect-uri", "https://app.example.com/two"],
      ...["--post-logout-redirect-uri", "https://app.example.com/bye"],
      "--first-party",
      ...dir,
    ]);
    expect(web).toMatchObject({
      name: "renamed",
      scopes: ["a"],
      grant_types: ["authorization_code", "client_credentials"],
      redirect_uris: ["https://app.example.com/one", "https://app.example.com/two"],
      post_logout_redirect_uris: ["https://app.example.com/bye"],
      first_party: true,
    });
    expect(
      await runCliJson(["client", "update", id, "--redirect-uri", "https://app.example.com/three", ...dir]),
    ).toMatchObject({ redirect_uris: ["https://app.example.com/three"], first_party: true });
    expect(await runCliJson(["client", "update", id, "--no-first-party", ...dir])).toMatchObject({
      first_party: false,
    });
    const text = await runCli(["client", "update", id, "--name", "renamed again", ...dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`client_id:     ${id}`);
    expect(text.stdout).toContain("name:          renamed again");
  });

  it.concurrent.each([
    ["an unknown grant type", ["--grant-types", "bogus"], /grant type "bogus"/],
    ["authorization_code without a redirect URI", ["--grant-types", "authorization_code"], /redirect-uri/],
    ["a redirect URI with a fragment", ["--redirect-uri", "https://app.example.com/cb#frag"], /fragment/],
    ["a malformed scope", ["--scopes", 'a "b'], /scope/],
    ["an empty name", ["--name", " "], /name/],
  ])("client update with %s fails with a clear message and changes nothing", async (_what, args, message) => {
    const { id } = await server.client({
      name: "unchanged",
      grantTypes: ["client_credentials"],
      scopes: "a",
    });
    const before = await server.ctx.durable.clients.get(id);
    const result = await runCli(["client", "update", id, ...args, ...dir]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await server.ctx.durable.clients.get(id)).toEqual(before);
  });

  it("client update of an unknown client fails and names it", async () => {
    const result = await runCli(["client", "update", "no-such-client", "--name", "x", ...dir, "--json"]);
    expect(result.code).not.toBe(0);
    expect(JSON.parse(result.stderr.trim())).toEqual({ error: "no client with id no-such-client" });
  });

  it("client rotate-secret: after rotation both secrets work on the running server; with --grace 0 only the new one, at once", async () => {
    const created = await runCliJson([
      "client",
      "create",
      ...["--name", "rotating", "--grant-types", "client_credentials"],
      ...dir,
    ]);
    const id = String(created.client_id);
    const status = async (secret: string) =>
      (
        await postForm(
          server,
          "/token",
          { grant_type: "client_credentials" },
          { authorization: basic(id, secret) },
        )
      ).status;
    const s0 = String(created.client_secret);
    expect(await status(s0)).toBe(200); // the server now holds the record in its cache

    const before = Math.floor(Date.now() / 1000);
    const first = await runCliJson(["client", "rotate-secret", id, ...dir]);
    expect(Object.keys(first).sort()).toEqual(["client_id", "client_secret", "previous_secret_expires_at"]);
    expect(first.client_id).toBe(id);
    const s1 = String(first.client_secret);
    expect(s1).not.toBe(s0);
    expect(s1.length).toBeGreaterThanOrEqual(43);
    const until = Number(first.previous_secret_expires_at);
    expect(until - before).toBeGreaterThanOrEqual(86_400);
    expect(until - before).toBeLessThanOrEqual(86_400 + 5);
    expect(await status(s0)).toBe(200);
    expect(await status(s1)).toBe(200);
    const listed = (await runCliJson(["client", "list", ...dir])).clients as Record<string, unknown>[];
    expect(listed.find((c) => c.client_id === id)?.previous_secret_expires_at).toBe(until);
    expect(JSON.stringify(listed)).not.toContain(s1);

    const second = await runCliJson(["client", "rotate-secret", id, "--grace", "0", ...dir]);
    const s2 = String(second.client_secret);
    expect(second.previous_secret_expires_at).toBeNull();
    expect(await status(s0)).toBe(401);
    expect(await status(s1)).toBe(401);
    expect(await status(s2)).toBe(200);

    const text = await runCli(["client", "rotate-secret", id, "--grace", "3600", ...dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /client_secret: \S{43,}\n\(the secret is shown only now: store it safely\)\n/,
    );
    expect(text.stdout).toMatch(/the previous secret works until \d{4}-\d\d-\d\dT/);
    expect(await status(s2)).toBe(200);
  });

  it.concurrent.each([
    ["a negative grace", (id: string) => ["client", "rotate-secret", id, "--grace", "-5"], /--grace/],
    [
      "a grace that is not a number",
      (id: string) => ["client", "rotate-secret", id, "--grace", "1h"],
      /--grace/,
    ],
    [
      "an unknown client",
      () => ["client", "rotate-secret", "no-such-client"],
      /no client with id no-such-client/,
    ],
  ])(
    "client rotate-secret with %s fails with a clear message and changes nothing",
    async (_what, args, message) => {
      const { id, secret } = await server.client();
      const result = await runCli([...args(id), ...dir]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(message);
      expect(
        (
          await postForm(
            server,
            "/token",
            { grant_type: "client_credentials" },
            { authorization: basic(id, secret) },
          )
        ).status,
      ).toBe(200);
    },
  );

  it("client rotate-secret of a public client fails: it has no secret", async () => {
    const { id } = await server.client({
      public: true,
      grantTypes: ["authorization_code"],
      redirectUris: ["http://localhost:5173/cb"],
    });
    const result = await runCli(["client", "rotate-secret", id, ...dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/public client has no secret/);
  });

  it("keys list and keys rotate print JSON", async () => {
    const list = await runCliJson(["keys", "list", ...dir]);
    const keys = list.keys as { kid: string; state: string; alg: string }[];
    // One active and one next key for each algorithm's set.
    for (const alg of ["ES256", "RS256", "EdDSA"])
      expect(
        keys
          .filter((k) => k.alg === alg)
          .map((k) => k.state)
          .sort(),
      ).toEqual(["active", "next"]);
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual([
      "activated_at",
      "alg",
      "created_at",
      "kid",
      "retired_at",
      "state",
    ]);
    expect(JSON.stringify(list)).not.toMatch(/privateJwe|private_jwe|"d":/);
    const next = keys.find((k) => k.state === "next" && k.alg === "ES256")?.kid;
    const rotated = await runCliJson(["keys", "rotate", ...dir]);
    expect(rotated.activated).toBe(next);
    expect((rotated.rotated as { alg: string }[]).map((r) => r.alg).sort()).toEqual([
      "ES256",
      "EdDSA",
      "RS256",
    ]);
  });

  it("every --json output names its fields in snake_case (users, clients, keys)", async () => {
    await runCliJson([
      "user",
      "create",
      "--username",
      "snake-case",
      "--password",
      "snake password 1",
      ...dir,
    ]);
    const { id } = await server.client({ scopes: "a" });
    const outputs = [
      await runCliJson(["user", "list", ...dir]),
      await runCliJson(["client", "list", ...dir]),
      await runCliJson(["client", "update", id, "--name", "snake", ...dir]),
      await runCliJson(["client", "rotate-secret", id, ...dir]),
      await runCliJson(["keys", "list", ...dir]),
      await runCliJson(["keys", "rotate", ...dir]),
    ];
    expect(outputs.flatMap(fieldNames).filter((name) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(name))).toEqual([]);
    expect(outputs.flatMap(fieldNames)).toEqual(
      expect.arrayContaining(["created_at", "client_id", "first_party", "previous_secret_expires_at"]),
    );
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
      const attempt = registerClient(server.ctx, { ...base, ...input }, registrationOfferFor(server.ctx));
      await expect(attempt).rejects.toBeInstanceOf(InvalidClientMetadata);
      await expect(attempt).rejects.toThrow(message);
      expect((await server.ctx.durable.clients.list()).length).toBe(before);
    },
  );

  it("accepts loopback http redirect URIs, https ones and reverse-domain private-use schemes; stores only a hash of the secret", async () => {
    const { client, secret } = await registerClient(
      server.ctx,
      {
        name: "web",
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: [
          "http://127.0.0.1:8080/cb",
          "http://[::1]/cb",
          "https://app.example.com/cb",
          "com.example.app:/callback",
        ],
        scopes: "openid",
      },
      registrationOfferFor(server.ctx),
    );
    expect(typeof secret).toBe("string");
    const stored = await server.ctx.durable.clients.get(client.id);
    expect(stored?.secretHash).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(secret as string);
  });
});

describe("frontdesk --version", () => {
  const serverPackage = resolve(import.meta.dirname, "..");
  const version = (
    JSON.parse(readFileSync(join(serverPackage, "package.json"), "utf8")) as { version: string }
  ).version;

  it("frontdesk --version (and -V) prints the version of packages/server/package.json", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe("");
    }
  });

  it("frontdesk --version reads the package.json next to the installed code, wherever it is run from", async () => {
    // An installed copy: <dir>/node_modules/@frontdesk/server/{package.json,dist}, run from elsewhere.
    const dir = tempDir("frontdesk-installed-");
    try {
      const installed = join(dir, "node_modules", "@frontdesk", "server");
      cpSync(join(serverPackage, "dist"), join(installed, "dist"), { recursive: true });
      writeFileSync(
        join(installed, "package.json"),
        JSON.stringify({ name: "@frontdesk/server", version: "9.8.7-installed", type: "module" }),
      );
      symlinkSync(resolve(serverPackage, "../../node_modules"), join(installed, "node_modules"));
      const result = await runCli(["--version"], {}, undefined, {
        script: join(installed, "dist", "cli", "main.js"),
        cwd: dir,
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("9.8.7-installed\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
