import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envName } from "../../../src/config/env.js";
import { runCli } from "../../helpers/http.js";
import { decodePayload, type RelyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../../helpers/server.js";
import { clientCount, initialAccessToken, sendJson } from "../dynamic-registration/helpers.js";
import {
  BILLING,
  exchange,
  exchanger,
  exchangeServer,
  ORDERS,
  personToken,
  STOCK,
  TOKEN_EXCHANGE_GRANT,
  webApp,
} from "./helpers.js";

const service = (extra: Record<string, unknown> = {}) => ({
  client_name: "orders service",
  grant_types: [TOKEN_EXCHANGE_GRANT],
  scope: "",
  token_exchange_audiences: [BILLING],
  ...extra,
});

describe("registering clients allowed to exchange tokens (token_exchange_audiences)", () => {
  let server: TestServer;
  let app: RelyingParty;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  beforeAll(async () => {
    server = await exchangeServer();
    app = await webApp(server);
    // The CLI works on the server's stores, with the server's resources.
    const { databaseUrl, keyEncryptionSecret, resources } = server.ctx.config;
    const env = {
      [envName("resources")]: resources.join(" "),
      ...(databaseUrl
        ? { [envName("databaseUrl")]: databaseUrl, [envName("keyEncryptionSecret")]: keyEncryptionSecret }
        : {}),
    };
    cli = (args) => runCli([...args, "--data-dir", server.dataDir], env);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const register = async (body: Record<string, unknown>) =>
    sendJson(server, "POST", "/register", { token: await initialAccessToken(server), body });

  it("dynamic registration stores the audiences, shows them, and the client exchanges for them", async () => {
    const registered = await register(service());
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);
    expect(registered.json).toMatchObject({
      grant_types: [TOKEN_EXCHANGE_GRANT],
      token_exchange_audiences: [BILLING],
    });
    const client = { id: String(registered.json?.client_id), secret: String(registered.json?.client_secret) };
    const subject = await personToken(server, app);
    const exchanged = await exchange(server, client, { subject_token: subject.token });
    expect(exchanged.status, exchanged.text).toBe(200);
    expect(decodePayload(String(exchanged.json?.access_token)).aud).toBe(BILLING);
  });

  it.each([
    [
      "an audience that is no configured resource",
      { token_exchange_audiences: ["https://evil.example.test"] },
      'token_exchange_audiences: "https://evil.example.test" is not a configured resource',
    ],
    ["not an array", { token_exchange_audiences: BILLING }, "token_exchange_audiences: must be an array"],
    [
      "audiences without the grant",
      { grant_types: ["client_credentials"] },
      `token_exchange_audiences needs grant type ${TOKEN_EXCHANGE_GRANT}`,
    ],
    [
      "the grant for a public client",
      { token_endpoint_auth_method: "none", token_exchange_audiences: undefined },
      `a public client cannot use ${TOKEN_EXCHANGE_GRANT}`,
    ],
  ])("refuses %s with invalid_client_metadata, registering nothing", async (_what, extra, says) => {
    const before = await clientCount(server);
    const answer = await register(service(extra));
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe("invalid_client_metadata");
    expect(String(answer.json?.error_description)).toContain(says);
    expect(await clientCount(server)).toBe(before);
  });

  it("client create --token-exchange-audiences registers a service that may exchange for them", async () => {
    const created = await cli([
      "client",
      "create",
      "--name",
      "orders service",
      "--grant-types",
      `${TOKEN_EXCHANGE_GRANT},client_credentials`,
      "--token-exchange-audiences",
      `${BILLING},${STOCK}`,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { client_id: id, client_secret: secret } = JSON.parse(created.stdout) as Record<string, string>;
    const stored = await server.ctx.durable.clients.get(id as string);
    expect(stored?.metadata.tokenExchangeAudiences).toEqual([BILLING, STOCK]);
    const subject = await personToken(server, app);
    const answer = await exchange(
      server,
      { id: id as string, secret: secret as string },
      {
        subject_token: subject.token,
        audience: STOCK,
      },
    );
    expect(answer.status, answer.text).toBe(200);
  });

  it("client create refuses an unknown audience, or audiences without the grant, with a clear error naming the flag", async () => {
    const before = await clientCount(server);
    const unknown = await cli([
      "client",
      "create",
      "--name",
      "x",
      "--grant-types",
      TOKEN_EXCHANGE_GRANT,
      "--token-exchange-audiences",
      "https://evil.example.test",
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('"https://evil.example.test" is not a configured resource');
    expect(unknown.stderr).toContain(`use ${ORDERS}, ${BILLING}, ${STOCK}`);
    expect(unknown.stderr).toContain("--token-exchange-audiences");
    const noGrant = await cli([
      "client",
      "create",
      "--name",
      "x",
      "--grant-types",
      "client_credentials",
      "--token-exchange-audiences",
      BILLING,
    ]);
    expect(noGrant.code).toBe(1);
    expect(noGrant.stderr).toContain(`needs grant type ${TOKEN_EXCHANGE_GRANT} (--token-exchange-audiences)`);
    expect(await clientCount(server)).toBe(before);
  });

  it("a client registered with the grant but no audiences may exchange for none", async () => {
    const registered = await register(service({ token_exchange_audiences: undefined }));
    expect(registered.status).toBe(201);
    expect(registered.json).not.toHaveProperty("token_exchange_audiences");
    const client = { id: String(registered.json?.client_id), secret: String(registered.json?.client_secret) };
    const subject = await personToken(server, app);
    for (const audience of [undefined, BILLING]) {
      const answer = await exchange(server, client, { subject_token: subject.token, audience });
      expect(answer.status).toBe(400);
      expect(answer.json).not.toHaveProperty("access_token");
    }
  });
});

describe("token exchange switched off (features.tokenExchange.enabled=false)", () => {
  let server: TestServer;
  let app: RelyingParty;
  beforeAll(async () => {
    server = await exchangeServer({ features: { tokenExchange: { enabled: false } } });
    app = await webApp(server);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("is not advertised and its grant is unsupported_grant_type, even for a client registered with it", async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as {
      grant_types_supported: string[];
    };
    expect(metadata.grant_types_supported).not.toContain(TOKEN_EXCHANGE_GRANT);
    // The registration metadata is kept (like other features' when off) and does nothing.
    const client = await exchanger(server, [BILLING], {}, { registeredEarlier: true });
    const subject = await personToken(server, app);
    const answer = await exchange(server, client, { subject_token: subject.token, audience: BILLING });
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe("unsupported_grant_type");
  });
});
