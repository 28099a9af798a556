import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Feature } from "../../src/features/contract.js";
import { buildFeatures, buildRegistry } from "../../src/features/registry.js";
import { FEATURES } from "../../src/main/features.js";
import { basic, getJson, postForm } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
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
    client = await server.client({
      grantTypes: [
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange",
      ],
      scopes: "openid",
    });
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
    keyed = { id: await keyClient(server, { jwks: { keys: [key.jwk] } }), key };
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
  // A grant type, an authorization step and discovery metadata, with no edit of the core.
  const echo: Feature = {
    name: "echoGrant",
    options: z.object({ greeting: z.string().default("hello") }),
    build: (_services, options) => ({
      grants: {
        "urn:example:echo": async ({ client, binding }) => ({
          access_token: `${String(options.greeting)}-${client.id}`,
          token_type: binding.tokenType,
          expires_in: 1,
        }),
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
  };

  it("registers its grant, step and metadata in the registry", async () => {
    const server = await startTestServer();
    try {
      const registry = buildRegistry(server.ctx, await buildFeatures([...FEATURES, echo], server.ctx));
      expect(registry.grants.has("urn:example:echo")).toBe(true);
      const names = registry.authorizationSteps.map((s) => s.name);
      expect(names.indexOf("echo_refuses_prompt_create")).toBe(names.indexOf("response_type") - 1);
      expect(registry.metadata()).toMatchObject({
        echo_greeting: "hello",
        grant_types_supported: expect.arrayContaining(["urn:example:echo", "client_credentials"]),
      });
    } finally {
      await server.close();
    }
  });

  it("refuses a second feature claiming the same grant type (a wiring bug, found at start-up)", async () => {
    const server = await startTestServer();
    try {
      await expect(
        buildFeatures([...FEATURES, echo, { ...echo, name: "echoAgain" }], server.ctx).then((built) =>
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
