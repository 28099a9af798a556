import { rmSync, writeFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { featureEnvName } from "../../src/config/env.js";
import { loadConfig } from "../../src/config/load.js";
import { defineFeature, type Feature } from "../../src/features/contract.js";
import { issueInitialAccessToken } from "../../src/features/dynamic-registration/initial-access-tokens.js";
import { buildFeatures, buildRegistry, registrationOffer } from "../../src/features/registry.js";
import { createLogger } from "../../src/logging/logger.js";
import { buildApp } from "../../src/main/app.js";
import { FEATURES, featureSections } from "../../src/main/features.js";
import { closeContext, createContext } from "../../src/main/services.js";
import { basic, getJson, postForm, runCli } from "../helpers/http.js";
import { startTestServer, type TestServer, tempDir } from "../helpers/server.js";
import { CALLBACK, initialAccessToken, sendJson } from "./dynamic-registration/helpers.js";
import {
  assertionForm,
  type ClientKey,
  clientKey,
  keyClient,
  signAssertion,
} from "./private-key-jwt/keys.js";

const REDIRECT = "http://localhost:8080/callback";

async function discovery(server: TestServer): Promise<Record<string, unknown>> {
  const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
  return json as Record<string, unknown>;
}

/** An RFC 7591 registration using one grant type and one method, with what each needs beside it. */
function registration(grantType: string, method: string, key?: ClientKey): Record<string, unknown> {
  return {
    client_name: `${grantType} with ${method}`,
    grant_types: [grantType],
    ...(grantType === "authorization_code" ? { redirect_uris: [CALLBACK] } : {}),
    token_endpoint_auth_method: method,
    ...(method === "private_key_jwt" && key ? { jwks: { keys: [key.jwk] } } : {}),
  };
}

describe("discovery advertises exactly what the server accepts", () => {
  let server: TestServer;
  let confidential: { id: string; secret: string };
  let publicClient: { id: string };
  let keyed: { id: string; key: ClientKey };
  beforeAll(async () => {
    server = await startTestServer();
    const key = await clientKey();
    keyed = { id: await keyClient(server, { jwks: { keys: [key.jwk] } }), key };
    confidential = await server.client({
      grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
      redirectUris: [REDIRECT],
      scopes: "openid read",
    });
    publicClient = await server.client({
      public: true,
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: [REDIRECT],
      scopes: "openid",
    });
  });
  afterAll(() => server.close());

  it("lists every grant type and client authentication method the registry holds, and nothing else", async () => {
    const registry = buildRegistry(server.ctx, await buildFeatures(FEATURES, server.ctx));
    const m = await discovery(server);
    expect(m.grant_types_supported).toEqual([...registry.grants.keys()]);
    expect(m.registration_endpoint).toBe(`${server.issuer}/register`);
    expect(m.token_endpoint_auth_methods_supported).toEqual(registry.clientAuth.names());
    expect(m.introspection_endpoint_auth_methods_supported).toEqual(
      registry.clientAuth.names({ confidentialOnly: true }),
    );
  });

  it("advertises the device flow (on by default): its endpoint, and its grant through the registry", async () => {
    const m = await discovery(server);
    expect(m.device_authorization_endpoint).toBe(`${server.issuer}/device_authorization`);
    expect(m.grant_types_supported).toContain("urn:ietf:params:oauth:grant-type:device_code");
  });

  it("accepts every advertised grant type at the token endpoint (errors are the grant's, never unsupported_grant_type)", async () => {
    const m = await discovery(server);
    const grants = m.grant_types_supported as string[];
    expect(grants.length).toBeGreaterThan(0);
    for (const grantType of grants) {
      const { status, json } = await postForm(
        server,
        "/token",
        { grant_type: grantType, code: "x", refresh_token: "x", code_verifier: "x", redirect_uri: REDIRECT },
        { authorization: basic(confidential.id, confidential.secret) },
      );
      expect(json?.error, grantType).not.toBe("unsupported_grant_type");
      expect(json?.error, grantType).not.toBe("invalid_client");
      if (grantType === "client_credentials") expect(status).toBe(200);
    }
    for (const grantType of ["password", "implicit", "urn:example:not-a-grant"]) {
      const { json } = await postForm(
        server,
        "/token",
        { grant_type: grantType },
        { authorization: basic(confidential.id, confidential.secret) },
      );
      expect(json?.error, grantType).toBe("unsupported_grant_type");
    }
  });

  it("authenticates a client with every advertised method", async () => {
    const m = await discovery(server);
    const methods = m.token_endpoint_auth_methods_supported as string[];
    const requests: Record<string, () => Promise<{ json: Record<string, unknown> | undefined }>> = {
      client_secret_basic: () =>
        postForm(
          server,
          "/token",
          { grant_type: "client_credentials" },
          { authorization: basic(confidential.id, confidential.secret) },
        ),
      client_secret_post: () =>
        postForm(server, "/token", {
          grant_type: "client_credentials",
          client_id: confidential.id,
          client_secret: confidential.secret,
        }),
      private_key_jwt: async () =>
        postForm(
          server,
          "/token",
          assertionForm(await signAssertion(server, keyed.id, keyed.key), {
            grant_type: "client_credentials",
          }),
        ),
      // A public client proves nothing; with a bogus code the answer is the grant's error.
      none: () =>
        postForm(server, "/token", {
          grant_type: "authorization_code",
          client_id: publicClient.id,
          code: "bogus",
          code_verifier: "x".repeat(43),
          redirect_uri: REDIRECT,
        }),
    };
    expect(Object.keys(requests).sort()).toEqual([...methods].sort());
    for (const method of methods) {
      const { json } = await (
        requests[method] as () => Promise<{ json: Record<string, unknown> | undefined }>
      )();
      expect(json?.error, method).not.toBe("invalid_client");
      if (method !== "none") expect(json?.access_token, method).toBeTypeOf("string");
      else expect(json?.error).toBe("invalid_grant");
    }
  });
});

describe("client registration accepts exactly what discovery advertises", () => {
  let server: TestServer;
  let key: ClientKey;
  beforeAll(async () => {
    server = await startTestServer();
    key = await clientKey();
  });
  afterAll(() => server.close());

  it("registers a client (RFC 7591) with every advertised grant type and every advertised authentication method", async () => {
    const m = await discovery(server);
    const token = await initialAccessToken(server);
    for (const grantType of m.grant_types_supported as string[]) {
      const { status, json } = await sendJson(server, "POST", "/register", {
        token,
        body: registration(grantType, "client_secret_basic"),
      });
      expect([status, json?.grant_types], grantType).toEqual([201, [grantType]]);
    }
    for (const method of m.token_endpoint_auth_methods_supported as string[]) {
      const { status, json } = await sendJson(server, "POST", "/register", {
        token,
        body: registration("authorization_code", method, key),
      });
      expect([status, json?.token_endpoint_auth_method], method).toEqual([201, method]);
    }
  });
});

describe("a grant type or authentication method switched off is refused at registration", () => {
  const off = { clientCredentials: false, deviceFlow: false, tokenExchange: false, privateKeyJwt: false };
  const OFF_GRANTS = [
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
  ];
  let server: TestServer;
  let key: ClientKey;
  beforeAll(async () => {
    server = await startTestServer({
      features: Object.fromEntries(Object.entries(off).map(([name, enabled]) => [name, { enabled }])),
    });
    key = await clientKey();
  });
  afterAll(() => server.close());

  it("at /register: invalid_client_metadata naming the field, nothing stored; what is on is still accepted", async () => {
    const m = await discovery(server);
    const token = await initialAccessToken(server);
    const before = (await server.ctx.durable.clients.list()).length;
    for (const grantType of OFF_GRANTS) {
      expect(m.grant_types_supported, grantType).not.toContain(grantType);
      const { status, json } = await sendJson(server, "POST", "/register", {
        token,
        body: registration(grantType, "client_secret_basic"),
      });
      expect([status, json?.error], grantType).toEqual([400, "invalid_client_metadata"]);
      expect(json?.error_description, grantType).toMatch(/^grant_types: .*not supported/);
    }
    expect(m.token_endpoint_auth_methods_supported).not.toContain("private_key_jwt");
    const keyed = await sendJson(server, "POST", "/register", {
      token,
      body: registration("authorization_code", "private_key_jwt", key),
    });
    expect([keyed.status, keyed.json?.error]).toEqual([400, "invalid_client_metadata"]);
    expect(keyed.json?.error_description).toMatch(/^token_endpoint_auth_method: .*not supported/);
    expect((await server.ctx.durable.clients.list()).length).toBe(before);
    const kept = await sendJson(server, "POST", "/register", {
      token,
      body: registration("authorization_code", "client_secret_basic"),
    });
    expect(kept.status).toBe(201);
  });

  it("by client create (the CLI builds the same features from configuration), naming the flag; accepted when on", async () => {
    const dataDir = tempDir();
    const jwksFile = `${dataDir}/client-jwks.json`;
    writeFileSync(jwksFile, JSON.stringify({ keys: [key.jwk] }));
    const switchedOff = Object.fromEntries(
      Object.entries(off).map(([name, enabled]) => [featureEnvName(name, "enabled"), String(enabled)]),
    );
    const create = ["client", "create", "--name", "cli", "--data-dir", dataDir];
    const machine = [...create, "--grant-types", "client_credentials"];
    const keyed = [
      ...create,
      ...["--grant-types", "authorization_code", "--redirect-uri", CALLBACK],
      ...["--token-endpoint-auth-method", "private_key_jwt", "--jwks-file", jwksFile],
    ];
    try {
      const refusedGrant = await runCli(machine, switchedOff);
      expect(refusedGrant.code).toBe(1);
      expect(refusedGrant.stderr).toMatch(/client_credentials.*not supported.*\(--grant-types\)/);
      const refusedMethod = await runCli(keyed, switchedOff);
      expect(refusedMethod.code).toBe(1);
      expect(refusedMethod.stderr).toMatch(
        /private_key_jwt.*not supported.*\(--token-endpoint-auth-method\)/,
      );
      for (const accepted of [machine, keyed]) expect((await runCli(accepted)).code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("a feature switched off in configuration disappears from discovery and is refused", () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer({
      features: {
        clientCredentials: { enabled: false },
        introspection: { enabled: false },
        userinfo: { enabled: false },
        backchannelLogout: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        requestObjects: { enabled: false },
        dynamicRegistration: { enabled: false },
        deviceFlow: { enabled: false },
        tokenExchange: { enabled: false },
      },
    });
    // Registered while those features were on: they are refused all the same.
    client = await server.client(
      {
        grantTypes: [
          "client_credentials",
          "urn:ietf:params:oauth:grant-type:device_code",
          "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        scopes: "openid",
      },
      { registeredEarlier: true },
    );
  });
  afterAll(() => server.close());

  it("is not advertised", async () => {
    const m = await discovery(server);
    expect(m.grant_types_supported).not.toContain("client_credentials");
    expect(m.grant_types_supported).toEqual(["authorization_code", "refresh_token"]);
    expect(m).not.toHaveProperty("introspection_endpoint");
    expect(m).not.toHaveProperty("introspection_endpoint_auth_methods_supported");
    expect(m).not.toHaveProperty("userinfo_endpoint");
    expect(m).not.toHaveProperty("backchannel_logout_supported");
    expect(m).not.toHaveProperty("backchannel_logout_session_supported");
    expect(m).not.toHaveProperty("pushed_authorization_request_endpoint");
    expect(m).not.toHaveProperty("require_pushed_authorization_requests");
    expect(m.request_parameter_supported).toBe(false);
    expect(m).not.toHaveProperty("request_object_signing_alg_values_supported");
    expect(m).not.toHaveProperty("registration_endpoint");
    expect(m).not.toHaveProperty("device_authorization_endpoint");
    expect(m.revocation_endpoint).toBe(`${server.issuer}/revoke`);
  });

  it("refuses its grant with unsupported_grant_type and answers 404 for its endpoints", async () => {
    for (const grantType of ["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"]) {
      const token = await postForm(
        server,
        "/token",
        { grant_type: grantType },
        { authorization: basic(client.id, client.secret) },
      );
      expect(token.status).toBe(400);
      expect(token.json?.error).toBe("unsupported_grant_type");
    }
    const introspect = await postForm(
      server,
      "/introspect",
      { token: "x" },
      { authorization: basic(client.id, client.secret) },
    );
    expect(introspect.status).toBe(404);
    expect((await fetch(`${server.issuer}/userinfo`)).status).toBe(404);
    const clients = (await server.ctx.durable.clients.list()).length;
    const register = await fetch(`${server.issuer}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    });
    expect(register.status).toBe(404);
    expect((await server.ctx.durable.clients.list()).length).toBe(clients);
    const par = await postForm(
      server,
      "/par",
      { response_type: "code" },
      {
        authorization: basic(client.id, client.secret),
      },
    );
    expect(par.status).toBe(404);
    const web = await server.client({ grantTypes: ["authorization_code"], redirectUris: [REDIRECT] });
    for (const [param, error] of [
      ["request", "request_not_supported"],
      ["request_uri", "request_uri_not_supported"],
    ]) {
      const query = new URLSearchParams({
        client_id: web.id,
        redirect_uri: REDIRECT,
        [param as string]: "a.b.c",
        // Silent, so the error comes back at once (a signed-out browser would sign in first).
        prompt: "none",
      });
      const authorize = await fetch(`${server.issuer}/authorize?${query}`, { redirect: "manual" });
      const location = new URL(String(authorize.headers.get("location")));
      expect(location.searchParams.get("error"), param).toBe(error);
    }
  });

  it("refuses the device flow: 404 for its endpoints and pages, unsupported_grant_type for its grant", async () => {
    const auth = { authorization: basic(client.id, client.secret) };
    const start = await postForm(server, "/device_authorization", { scope: "openid" }, auth);
    expect(start.status).toBe(404);
    expect((await fetch(`${server.issuer}/device`)).status).toBe(404);
    const token = await postForm(
      server,
      "/token",
      { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: "x" },
      auth,
    );
    expect([token.status, token.json?.error]).toEqual([400, "unsupported_grant_type"]);
  });
});

describe("private_key_jwt switched off (features.privateKeyJwt.enabled=false)", () => {
  let server: TestServer;
  let keyed: { id: string; key: ClientKey };
  beforeAll(async () => {
    server = await startTestServer({ features: { privateKeyJwt: { enabled: false } } });
    const key = await clientKey();
    const earlier = { registeredEarlier: true };
    keyed = { id: await keyClient(server, { jwks: { keys: [key.jwk] } }, undefined, earlier), key };
  });
  afterAll(() => server.close());

  it("is absent from discovery", async () => {
    const m = await discovery(server);
    for (const field of [
      "token_endpoint_auth_methods_supported",
      "introspection_endpoint_auth_methods_supported",
      "revocation_endpoint_auth_methods_supported",
    ])
      expect(m[field], field).not.toContain("private_key_jwt");
    expect(m).not.toHaveProperty("token_endpoint_auth_signing_alg_values_supported");
    expect(m).not.toHaveProperty("introspection_endpoint_auth_signing_alg_values_supported");
    expect(m).not.toHaveProperty("revocation_endpoint_auth_signing_alg_values_supported");
  });

  it("refuses a valid assertion (invalid_client), with or without client_id, and issues nothing", async () => {
    for (const extra of [{}, { client_id: keyed.id }] as Record<string, string>[]) {
      const assertion = await signAssertion(server, keyed.id, keyed.key);
      const { status, json } = await postForm(
        server,
        "/token",
        assertionForm(assertion, { grant_type: "client_credentials", ...extra }),
      );
      expect(status).toBe(401);
      expect(json?.error).toBe("invalid_client");
      expect(json).not.toHaveProperty("access_token");
    }
  });
});

describe("a new capability plugs in through the contract alone", () => {
  // The worked example of docs/architecture.md: a grant type, plus an authorization
  // step and discovery metadata, with no edit of the core.
  const ECHO = "urn:example:echo";
  const echo = defineFeature({
    name: "echoGrant",
    options: z.object({ greeting: z.string().default("hello") }),
    build: ({ config, accessTokens }, options) => ({
      grants: {
        [ECHO]: async ({ client, binding }) => {
          const { token } = await accessTokens.issue({
            sub: client.id,
            clientId: client.id,
            audience: config.resources[0] as string,
            scopes: [],
            ttl: config.accessTokenTtl,
          });
          return { access_token: token, token_type: binding.tokenType, expires_in: config.accessTokenTtl };
        },
      },
      authorizationSteps: [
        {
          before: "response_type",
          step: {
            name: "echo_refuses_prompt_create",
            run(draft) {
              if (draft.params.prompt?.[0] === "create") throw new Error("not reached in this test");
            },
          },
        },
      ],
      metadata: () => ({ echo_greeting: options.greeting }),
    }),
  }) as Feature;
  const withEcho = [...FEATURES, echo];

  /** The server with echoGrant in its feature list, its configuration (`features.echoGrant.*`) read like any other's. */
  async function echoServer(features: Record<string, Record<string, unknown>> = {}) {
    const dataDir = tempDir();
    const config = loadConfig({
      env: {},
      features: featureSections(withEcho),
      flags: { dataDir, issuer: "http://127.0.0.1:9", logLevel: "silent", features },
    });
    const ctx = await createContext(config, createLogger("silent"));
    const app: FastifyInstance = await buildApp(ctx, withEcho);
    const json = async (
      method: "GET" | "POST",
      url: string,
      init: { body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const response = await app.inject({ method, url, headers: init.headers, payload: init.body as string });
      return { status: response.statusCode, json: response.json() as Record<string, unknown> };
    };
    return {
      ctx,
      json,
      register: async (body: Record<string, unknown>) =>
        json("POST", "/register", {
          body: JSON.stringify(body),
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${(await issueInitialAccessToken(ctx.durable)).token}`,
          },
        }),
      token: (clientId: string, secret: string) =>
        json("POST", "/token", {
          body: new URLSearchParams({ grant_type: ECHO }).toString(),
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: basic(clientId, secret),
          },
        }),
      async close() {
        await app.close();
        await closeContext(ctx);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  it("registers its grant, step and metadata in the registry", async () => {
    const server = await startTestServer();
    try {
      const registry = buildRegistry(server.ctx, await buildFeatures(withEcho, server.ctx));
      expect(registry.grants.has(ECHO)).toBe(true);
      const names = registry.authorizationSteps.map((s) => s.name);
      expect(names.indexOf("echo_refuses_prompt_create")).toBe(names.indexOf("response_type") - 1);
      expect(registry.metadata()).toMatchObject({
        echo_greeting: "hello",
        grant_types_supported: expect.arrayContaining([ECHO, "client_credentials"]),
      });
      expect(registrationOffer(registry).grantTypes).toContain(ECHO);
    } finally {
      await server.close();
    }
  });

  it("on: discovery lists it, a client registers for it, and the token endpoint issues a signed access token with it", async () => {
    const server = await echoServer();
    try {
      const discovered = await server.json("GET", "/.well-known/openid-configuration");
      expect(discovered.json.grant_types_supported).toContain(ECHO);
      const registered = await server.register(registration(ECHO, "client_secret_basic"));
      expect([registered.status, registered.json.grant_types]).toEqual([201, [ECHO]]);
      const clientId = String(registered.json.client_id);
      const issued = await server.token(clientId, String(registered.json.client_secret));
      expect(issued.status).toBe(200);
      const claims = await server.ctx.accessTokens.verify(String(issued.json.access_token));
      expect(claims).toMatchObject({
        sub: clientId,
        client_id: clientId,
        aud: server.ctx.config.resources[0],
      });
    } finally {
      await server.close();
    }
  });

  it("features.echoGrant.enabled=false removes it: not advertised, unsupported_grant_type, refused at registration", async () => {
    const server = await echoServer({ echoGrant: { enabled: false } });
    try {
      const discovered = await server.json("GET", "/.well-known/openid-configuration");
      expect(discovered.json.grant_types_supported).not.toContain(ECHO);
      expect(discovered.json).not.toHaveProperty("echo_greeting");
      const refused = await server.register(registration(ECHO, "client_secret_basic"));
      expect([refused.status, refused.json.error]).toEqual([400, "invalid_client_metadata"]);
      const machine = await server.register(registration("client_credentials", "client_secret_basic"));
      expect(machine.status).toBe(201);
      const issued = await server.token(String(machine.json.client_id), String(machine.json.client_secret));
      expect([issued.status, issued.json.error]).toEqual([400, "unsupported_grant_type"]);
    } finally {
      await server.close();
    }
  });

  it("refuses a second feature claiming the same grant type (a wiring bug, found at start-up)", async () => {
    const server = await startTestServer();
    try {
      await expect(
        buildFeatures([...withEcho, { ...echo, name: "echoAgain" }], server.ctx).then((built) =>
          buildRegistry(server.ctx, built),
        ),
      ).rejects.toThrow(/registered twice/);
    } finally {
      await server.close();
    }
  });
});

describe("feature configuration (features.<name>)", () => {
  const load = async (options: Parameters<typeof import("../../src/main/config.js").loadServerConfig>[0]) => {
    const { loadServerConfig } = await import("../../src/main/config.js");
    return loadServerConfig({
      ...options,
      flags: { dataDir: "/tmp/frontdesk-feature-config", ...options?.flags },
    });
  };

  it("defaults every feature on, and reads FRONTDESK_FEATURES_<NAME>_<KEY> from the environment", async () => {
    const config = await load({ env: { FRONTDESK_FEATURES_INTROSPECTION_ENABLED: "false" } });
    expect(config.features.introspection).toEqual({ enabled: false });
    expect(config.features.clientCredentials).toEqual({ enabled: true });
  });

  it("names the key and its environment variable when a value is wrong", async () => {
    await expect(load({ env: { FRONTDESK_FEATURES_INTROSPECTION_ENABLED: "maybe" } })).rejects.toThrow(
      /features\.introspection\.enabled \(env FRONTDESK_FEATURES_INTROSPECTION_ENABLED/,
    );
  });

  it("refuses an unknown feature and an unknown option", async () => {
    await expect(load({ flags: { features: { deviseFlow: { enabled: true } } } })).rejects.toThrow(
      /unknown key\(s\) deviseFlow in features/,
    );
    await expect(load({ flags: { features: { introspection: { enabeld: true } } } })).rejects.toThrow(
      /unknown key\(s\) enabeld in features\.introspection/,
    );
  });
});
