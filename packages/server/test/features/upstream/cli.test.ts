import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envName, featureEnvName } from "../../../src/config/env.js";
import type { ProviderRecord } from "../../../src/features/upstream/records.js";
import { ProviderSecrets } from "../../../src/features/upstream/secrets.js";
import { FormBrowser } from "../../helpers/browser.js";
import { runCli } from "../../helpers/http.js";
import { failOnErrorLogs, startTestServer, type TestServer, tempDir } from "../../helpers/server.js";
import { linkStoredIdentity, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc, walkUpstream } from "../../helpers/upstream-oidc.js";
import { makeUser } from "../../helpers/users.js";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A PKCS #8 PEM of a new private key, written to a file. */
async function keyFile(alg: "ES256" | "ES384" | "RS256"): Promise<string> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const file = join(tempDir(), `AuthKey_${alg}.p8`);
  writeFileSync(file, await exportPKCS8(privateKey));
  return file;
}

describe("frontdesk upstream add|list|remove and user identities (CLI) against a running server's stores", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  let cli: (args: string[], input?: string, extraEnv?: NodeJS.ProcessEnv) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    // The CLI runs with the server's configuration: its issuer (in the redirect URI) and stores.
    const { databaseUrl, keyEncryptionSecret } = server.ctx.config;
    const env = {
      [envName("issuer")]: server.issuer,
      ...(databaseUrl
        ? { [envName("databaseUrl")]: databaseUrl, [envName("keyEncryptionSecret")]: keyEncryptionSecret }
        : {}),
    };
    cli = (args, input, extraEnv = {}) =>
      runCli([...args, "--data-dir", server.dataDir], { ...env, ...extraEnv }, input);
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  const json = async (args: string[], input?: string) => {
    const result = await cli([...args, "--json"], input);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines, result.stdout).toHaveLength(1);
    return JSON.parse(lines[0] as string) as Record<string, unknown>;
  };
  const listed = async () =>
    (await json(["upstream", "list"])).upstreams as ({ id: string } & Record<string, unknown>)[];
  const storedRow = (id: string) =>
    server.ctx.durable
      .featureTables<{ upstream_providers: { id: string; secret: string | null; settings: string } }>()
      .selectFrom("upstream_providers")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();

  /** A provider from a preset (no discovery is read); returns its id. */
  async function addPreset(preset: string): Promise<string> {
    const id = unique(`${preset}-`);
    const args = ["upstream", "add", "--id", id, "--preset", preset, "--client-id", `${preset}-client`];
    await json([...args, "--client-secret", `${preset}-secret-0123456789`]);
    return id;
  }

  /** Signs in through the provider from Frontdesk's sign-in page; returns where Frontdesk lands. */
  async function signInWith(name: string, login: string) {
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    const button = new RegExp(`href="([^"]+)">Continue with ${name}<`).exec(page)?.[1];
    expect(button, "the provider's button on the sign-in page").toBeDefined();
    const started = await browser.follow((button as string).replace(/&amp;/g, "&"));
    const back = await walkUpstream(new FormBrowser(upstream.issuer), started.url, login);
    return browser.follow(back);
  }

  it("upstream add (OpenID Connect, from discovery) --json prints one line {id, redirect_uri}; the secret is stored sealed; people sign in with it", async () => {
    const id = unique("corp-");
    const redirectUri = `${server.issuer}/upstream/${id}/callback`;
    const registered = upstream.client([redirectUri]);
    const args = ["upstream", "add", "--id", id, "--name", "Corp CLI", "--issuer", upstream.issuer];
    const result = await cli(
      [
        ...args,
        "--client-id",
        registered.clientId,
        "--client-secret-stdin",
        "--domains",
        "corp.example",
        "--json",
      ],
      `${registered.clientSecret}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${JSON.stringify({ id, redirect_uri: redirectUri })}\n`);

    const row = await storedRow(id);
    expect(row?.secret).toMatch(/^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/); // a compact JWE
    expect(JSON.stringify(row)).not.toContain(registered.clientSecret);
    const human = await cli(["upstream", "list"]);
    const asJson = await cli(["upstream", "list", "--json"]);
    for (const out of [human.stdout, asJson.stdout]) {
      expect(out).toContain(id);
      expect(out).not.toContain(registered.clientSecret);
    }
    expect((await listed()).find((p) => p.id === id)).toMatchObject({
      kind: "oidc",
      issuer: upstream.issuer,
      client_id: registered.clientId,
      redirect_uri: redirectUri,
      scopes: ["openid", "email", "profile"],
      domains: ["corp.example"],
      trust_email: false,
    });

    const sub = unique("dee");
    upstream.accounts.set(sub, { sub, email: `${sub}@corp.example`, email_verified: true });
    const landed = await signInWith("Corp CLI", sub);
    expect(new URL(landed.url).pathname).toBe("/account");
    const user = (await server.ctx.durable.users.findByEmail(`${sub}@corp.example`))[0];
    expect(user?.passwordHash).toBeNull();

    const { identities } = await json(["user", "identities", user?.username as string]);
    expect(identities).toEqual([
      {
        id: expect.any(String),
        provider: id,
        issuer: upstream.issuer,
        subject: sub,
        email: `${sub}@corp.example`,
        created_at: expect.any(Number),
        last_used_at: expect.any(Number),
      },
    ]);
    const identityId = (identities as { id: string }[])[0]?.id as string;
    // The only way this passwordless account signs in: refused without --force.
    const refused = await cli(["user", "identity", "remove", user?.username as string, identityId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("only way to sign in");
    expect(refused.stderr).toContain("--force");
    expect(await upstreamOf(server.ctx).identities.listByUser(user?.id as string)).toHaveLength(1);
    expect(await json(["user", "identity", "remove", user?.id as string, identityId, "--force"])).toEqual({
      deleted: identityId,
      user: user?.id,
    });
    expect(await upstreamOf(server.ctx).identities.listByUser(user?.id as string)).toEqual([]);
  });

  it("user identity remove unlinks an identity of a user who has a password; an unknown user or identity is refused", async () => {
    const { user, username } = await makeUser(server.ctx);
    const provider = await addPreset("gitlab");
    const linked = await linkStoredIdentity(server.ctx, { providerId: provider, userId: user.id });
    const human = await cli(["user", "identities", username]);
    expect(human.stdout).toContain(provider);
    expect(human.stdout).toContain("created 2023-11-14T22:13:20.000Z");
    const removed = await cli(["user", "identity", "remove", username, linked.id]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`unlinked ${provider}`);
    expect(await upstreamOf(server.ctx).identities.listByUser(user.id)).toEqual([]);
    expect((await cli(["user", "identities", username])).stdout).toContain("has no linked identities");

    const noIdentity = await cli(["user", "identity", "remove", username, "nope"]);
    expect(noIdentity.code).toBe(1);
    expect(noIdentity.stderr).toContain(`${username} has no linked identity nope`);
    const noUser = await cli(["user", "identities", "nobody-here"]);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toContain("no user nobody-here");
  });

  it("--kind oauth2 stores the endpoints and the claim mapping", async () => {
    const id = unique("plain-");
    const { redirect_uri } = await json([
      "upstream",
      "add",
      "--id",
      id,
      "--name",
      "Plain",
      "--kind",
      "oauth2",
      "--authorization-endpoint",
      `${upstream.issuer}/auth`,
      "--token-endpoint",
      `${upstream.issuer}/token`,
      "--userinfo-endpoint",
      `${upstream.issuer}/me`,
      "--claims",
      "sub=id, email=email,preferred_username=login",
      "--scopes",
      "openid  profile",
      "--client-id",
      "plain-client",
      "--client-secret",
      "plain-secret-0123456789",
    ]);
    expect(redirect_uri).toBe(`${server.issuer}/upstream/${id}/callback`);
    expect((await listed()).find((p) => p.id === id)).toMatchObject({
      kind: "oauth2",
      preset: null,
      issuer: upstream.issuer,
      authorization_endpoint: `${upstream.issuer}/auth`,
      token_endpoint: `${upstream.issuer}/token`,
      userinfo_endpoint: `${upstream.issuer}/me`,
      claims: { sub: "id", email: "email", preferred_username: "login" },
      scopes: ["openid", "profile"],
    });
  });

  it("presets fill in endpoints, claims and the response mode (GitHub, Google, GitLab, Microsoft, Apple)", async () => {
    const added: Record<string, string> = {};
    for (const preset of ["github", "google", "gitlab", "microsoft"]) added[preset] = await addPreset(preset);
    const apple = unique("apple-");
    const pem = await keyFile("ES256");
    const human = await cli([
      "upstream",
      "add",
      "--id",
      apple,
      "--preset",
      "apple",
      "--client-id",
      "com.example.web",
      "--apple-team-id",
      "TEAM123456",
      "--apple-key-id",
      "KEY1234567",
      "--apple-private-key-file",
      pem,
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("Continue with Apple");
    expect(human.stdout).toContain(
      `register this redirect URI at the provider: ${server.issuer}/upstream/${apple}/callback`,
    );

    const all = await listed();
    const of = (id: string | undefined) => all.find((p) => p.id === id);
    expect(of(added.github)).toMatchObject({
      name: "GitHub",
      kind: "oauth2",
      preset: "github",
      issuer: "https://github.com",
      authorization_endpoint: "https://github.com/login/oauth/authorize",
      token_endpoint: "https://github.com/login/oauth/access_token",
      userinfo_endpoint: "https://api.github.com/user",
      claims: { sub: "id", name: "name", preferred_username: "login" },
      scopes: ["read:user", "user:email"],
    });
    expect(of(added.google)).toMatchObject({
      name: "Google",
      kind: "oidc",
      issuer: "https://accounts.google.com",
      scopes: ["openid", "email", "profile"],
      authorization_endpoint: null,
    });
    expect(of(added.gitlab)).toMatchObject({ name: "GitLab", issuer: "https://gitlab.com" });
    expect(of(added.microsoft)).toMatchObject({
      name: "Microsoft",
      issuer: "https://login.microsoftonline.com/common/v2.0",
    });
    expect(of(apple)).toMatchObject({
      name: "Apple",
      issuer: "https://appleid.apple.com",
      response_mode: "form_post",
      apple: { team_id: "TEAM123456", key_id: "KEY1234567" },
    });
    // The private key is sealed like a client secret: not in the row, not in the listing.
    expect(JSON.stringify(await storedRow(apple))).not.toContain("PRIVATE KEY");
    expect(JSON.stringify(all)).not.toContain("PRIVATE KEY");
    const record = await upstreamOf(server.ctx).providers.get(apple);
    const sealed = new ProviderSecrets(server.ctx.config.keyEncryptionSecret);
    expect(await sealed.open(record as ProviderRecord)).toEqual({
      applePrivateKey: readFileSync(pem, "utf8"),
    });
  });

  it("with the upstream feature switched off, upstream add still stores the provider and says it is not offered", async () => {
    const id = unique("later-");
    const off = { [featureEnvName("upstream", "enabled")]: "false" };
    const args = ["upstream", "add", "--id", id, "--preset", "google", "--client-id", "g"];
    const result = await cli([...args, "--client-secret", "s-0123456789", "--json"], undefined, off);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      id,
      redirect_uri: `${server.issuer}/upstream/${id}/callback`,
    });
    expect(result.stderr).toContain("features.upstream.enabled=false");
    expect((await listed()).map((p) => p.id)).toContain(id);
  });

  it("refuses bad input with a message naming the flag, exit code 1, and stores nothing", async () => {
    const p8 = await keyFile("ES256");
    const secret = ["--name", "Bad", "--client-id", "c", "--client-secret", "s-0123456789"];
    const apple = ["--preset", "apple", "--client-id", "com.example.web"];
    const appleIds = ["--apple-team-id", "TEAM123456", "--apple-key-id", "KEY1234567"];
    const existing = await addPreset("google");
    const cases: [args: string[], flag: string][] = [
      [["--id", "Bad ID", "--issuer", upstream.issuer, ...secret], "--id"],
      [["--id", existing, "--issuer", upstream.issuer, ...secret], `--id: a provider "${existing}" exists`],
      [["--issuer", "http://127.0.0.1:1", ...secret], "--issuer: could not read"],
      [["--issuer", "http://upstream.example", ...secret], "--issuer: must be https"],
      [
        ["--name", "Bad", "--issuer", upstream.issuer, "--client-id", "c"],
        "--client-secret-stdin or --client-secret",
      ],
      [["--issuer", upstream.issuer, ...secret, "--client-secret-stdin"], "not both"],
      [["--kind", "saml", ...secret], "--kind"],
      [["--preset", "okta", ...secret], "--preset: one of github, google, microsoft, apple, gitlab"],
      [["--preset", "microsoft", "--trust-email", ...secret], "--trust-email"],
      [["--kind", "oauth2", ...secret], "--authorization-endpoint: required with --kind oauth2"],
      [["--preset", "github", "--claims", "sub", ...secret], "--claims"],
      [["--preset", "github", "--claims", "uid=id", ...secret], "--claims: uid is not one of"],
      [["--issuer", upstream.issuer, "--domains", "not_a_domain", ...secret], "--domains"],
      [[...apple], "--apple-team-id, --apple-key-id and --apple-private-key-file: required"],
      [[...apple, "--apple-team-id", "TEAM123456"], "give all three"],
      [[...apple, ...appleIds, "--apple-private-key-file", join(tempDir(), "none.p8")], "cannot read it"],
      [
        [...apple, ...appleIds, "--apple-private-key-file", await keyFile("ES384")],
        "--apple-private-key-file",
      ],
      [
        [...apple, ...appleIds, "--apple-private-key-file", await keyFile("RS256")],
        "--apple-private-key-file",
      ],
      [
        [...apple, "--apple-team-id", "team", "--apple-key-id", "KEY1234567", "--apple-private-key-file", p8],
        "--apple-team-id",
      ],
      [
        [...apple, ...appleIds, "--apple-private-key-file", p8, "--client-secret", "x"],
        "--client-secret: not used",
      ],
      [
        ["--issuer", upstream.issuer, ...secret, ...appleIds, "--apple-private-key-file", p8],
        "only with --preset apple",
      ],
    ];
    const before = (await listed()).map((p) => p.id);
    // A few at a time: each is a CLI process of its own.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4).map(async ([args, message]) => {
        const id = args.includes("--id") ? [] : ["--id", unique("bad-")];
        return { args, message, result: await cli(["upstream", "add", ...id, ...args]) };
      });
      for (const { args, message, result } of await Promise.all(batch)) {
        expect(result.code, args.join(" ")).toBe(1);
        expect(result.stderr, args.join(" ")).toContain(message);
        expect(result.stdout, args.join(" ")).toBe("");
      }
    }
    expect((await listed()).map((p) => p.id)).toEqual(before);
    // Commander's own usage errors (a required flag missing) exit 1 as well.
    const missing = await cli(["upstream", "add", "--issuer", upstream.issuer]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--id");
    // With --json, the refusal is one JSON object on stderr.
    const asJson = await cli(["upstream", "add", "--id", "Bad ID", ...secret, "--json"]);
    expect(JSON.parse(asJson.stderr.trim().split("\n").at(-1) as string).error).toContain("--id");
    // Twenty-odd CLI processes: more than the default 30 s on a loaded 2-core machine.
  }, 120_000);

  it("upstream remove takes the provider's button away and unlinks its identities; an unknown id exits 1", async () => {
    const id = unique("gone-");
    const registered = upstream.client([`${server.issuer}/upstream/${id}/callback`]);
    await json([
      "upstream",
      "add",
      "--id",
      id,
      "--name",
      "Gone Soon",
      "--issuer",
      upstream.issuer,
      "--client-id",
      registered.clientId,
      "--client-secret",
      registered.clientSecret,
    ]);
    const sub = unique("eve");
    upstream.accounts.set(sub, { sub, email: `${sub}@gone.example`, email_verified: true });
    await signInWith("Gone Soon", sub);
    const user = (await server.ctx.durable.users.findByEmail(`${sub}@gone.example`))[0];
    expect(await upstreamOf(server.ctx).identities.listByUser(user?.id as string)).toHaveLength(1);

    expect(await json(["upstream", "remove", id])).toEqual({ deleted: id });
    expect((await listed()).map((p) => p.id)).not.toContain(id);
    expect(await upstreamOf(server.ctx).identities.listByUser(user?.id as string)).toEqual([]);
    const page = await (await new FormBrowser(server.issuer).request("/login")).text();
    expect(page).not.toContain("Continue with Gone Soon");

    const unknown = await cli(["upstream", "remove", id]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no upstream provider ${id}`);
  });
});
