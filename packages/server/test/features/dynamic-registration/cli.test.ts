import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envName } from "../../../src/config/env.js";
import { runCli } from "../../helpers/http.js";
import { startTestServer, type TestServer, tempDir } from "../../helpers/server.js";
import { CALLBACK, clientCount, sendJson } from "./helpers.js";

const JWK = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };

describe("CLI: client initial-access-token and the metadata flags of client create", () => {
  let server: TestServer;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  beforeAll(async () => {
    server = await startTestServer();
    // The CLI works on the server's stores: its data directory, or (distributed) its database.
    const { databaseUrl, keyEncryptionSecret } = server.ctx.config;
    const env = databaseUrl
      ? { [envName("databaseUrl")]: databaseUrl, [envName("keyEncryptionSecret")]: keyEncryptionSecret }
      : {};
    cli = (args) => runCli([...args, "--data-dir", server.dataDir], env);
  });
  afterAll(() => server.close());

  const json = async (args: string[]) => {
    const result = await cli([...args, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  it("prints {initial_access_token}, which registers clients until it expires", async () => {
    const issued = await json(["client", "initial-access-token", "--expires-in", "600"]);
    expect(issued).toMatchObject({ initial_access_token: expect.any(String), single_use: false });
    expect(issued.expires_at).toBeGreaterThan(Date.now() / 1000 + 500);
    const token = issued.initial_access_token as string;
    for (let i = 0; i < 2; i++)
      expect(
        (await sendJson(server, "POST", "/register", { token, body: { redirect_uris: [CALLBACK] } })).status,
      ).toBe(201);
  });

  it("--single-use: the token registers one client", async () => {
    const { initial_access_token: token } = await json(["client", "initial-access-token", "--single-use"]);
    const body = { redirect_uris: [CALLBACK] };
    expect((await sendJson(server, "POST", "/register", { token: token as string, body })).status).toBe(201);
    expect((await sendJson(server, "POST", "/register", { token: token as string, body })).status).toBe(401);
  });

  it("refuses a lifetime that is not a positive whole number", async () => {
    for (const value of ["0", "-5", "soon"]) {
      const result = await cli(["client", "initial-access-token", "--expires-in", value]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("--expires-in");
    }
  });

  it("client create stores every metadata flag", async () => {
    const jwksFile = join(tempDir(), "jwks.json");
    writeFileSync(jwksFile, JSON.stringify({ keys: [JWK] }));
    const created = await json([
      "client",
      "create",
      "--name",
      "Signer",
      "--grant-types",
      "authorization_code",
      "--redirect-uri",
      CALLBACK,
      "--scopes",
      "openid",
      "--token-endpoint-auth-method",
      "private_key_jwt",
      "--jwks-file",
      jwksFile,
      "--id-token-signed-response-alg",
      "EdDSA",
      "--require-par",
      "--dpop-bound",
      "--backchannel-logout-uri",
      "https://rp.example.com/bc",
      "--backchannel-logout-session-required",
      "--logo-uri",
      "https://rp.example.com/logo.png",
      "--client-uri",
      "https://rp.example.com/",
      "--policy-uri",
      "https://rp.example.com/privacy",
      "--tos-uri",
      "https://rp.example.com/tos",
      "--acr",
      "urn:frontdesk:acr:mfa",
    ]);
    expect(created).not.toHaveProperty("client_secret");
    const stored = await server.ctx.durable.clients.get(created.client_id as string);
    expect(stored).toMatchObject({
      tokenEndpointAuthMethod: "private_key_jwt",
      secretHash: null,
      metadata: {
        jwks: { keys: [JWK] },
        idTokenSignedResponseAlg: "EdDSA",
        requirePushedAuthorizationRequests: true,
        dpopBoundAccessTokens: true,
        backchannelLogoutUri: "https://rp.example.com/bc",
        backchannelLogoutSessionRequired: true,
        logoUri: "https://rp.example.com/logo.png",
        clientUri: "https://rp.example.com/",
        policyUri: "https://rp.example.com/privacy",
        tosUri: "https://rp.example.com/tos",
        defaultAcrValues: ["urn:frontdesk:acr:mfa"],
      },
    });
    const byUri = await json([
      "client",
      "create",
      "--name",
      "Poster",
      "--grant-types",
      "client_credentials",
      "--token-endpoint-auth-method",
      "client_secret_post",
      "--jwks-uri",
      "https://rp.example.com/jwks",
    ]);
    expect(byUri.client_secret).toBeTypeOf("string");
    expect(await server.ctx.durable.clients.get(byUri.client_id as string)).toMatchObject({
      tokenEndpointAuthMethod: "client_secret_post",
      metadata: { jwksUri: "https://rp.example.com/jwks" },
    });
  });

  it("client create refuses invalid metadata with the endpoint's rules, naming the flag, creating nothing", async () => {
    const base = [
      "client",
      "create",
      "--name",
      "Bad",
      "--grant-types",
      "authorization_code",
      "--redirect-uri",
      CALLBACK,
    ];
    const cases: [string[], string][] = [
      [["--token-endpoint-auth-method", "tls_client_auth"], "--token-endpoint-auth-method"],
      [["--token-endpoint-auth-method", "private_key_jwt"], "--jwks-file"],
      [["--jwks-uri", "http://rp.example.com/jwks"], "--jwks-uri"],
      [["--jwks-file", "/nonexistent/jwks.json"], "--jwks-file"],
      [["--id-token-signed-response-alg", "HS256"], "--id-token-signed-response-alg"],
      [["--backchannel-logout-uri", "https://rp.example.com/bc#frag"], "--backchannel-logout-uri"],
      [["--logo-uri", "http://rp.example.com/logo.png"], "--logo-uri"],
      [["--client-uri", "not a url"], "--client-uri"],
      [["--policy-uri", "http://rp.example.com/p"], "--policy-uri"],
      [["--tos-uri", "javascript:alert(1)"], "--tos-uri"],
      [["--acr", "urn:other:gold"], "--acr"],
      [["--public", "--token-endpoint-auth-method", "client_secret_basic"], "--token-endpoint-auth-method"],
    ];
    const before = await clientCount(server);
    for (const [flags, named] of cases) {
      const result = await cli([...base, ...flags]);
      expect(result.code, flags.join(" ")).toBe(1);
      expect(result.stderr, flags.join(" ")).toContain(named);
    }
    expect(await clientCount(server)).toBe(before);
  });
});
