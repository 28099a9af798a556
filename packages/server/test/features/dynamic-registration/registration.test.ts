import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { basic, postForm } from "../../helpers/http.js";
import { codeFlow } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { CALLBACK, clientCount, initialAccessToken, sendJson } from "./helpers.js";

describe("dynamic client registration (RFC 7591) with openid-client", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("registers a client with the initial access token, which then signs a person in with the code flow", async () => {
    const token = await initialAccessToken(server);
    const config = await oidc.dynamicClientRegistration(
      new URL(server.issuer),
      {
        client_name: "Registered Printer",
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        scope: "openid profile email offline_access",
      },
      undefined,
      { initialAccessToken: token, execute: [oidc.allowInsecureRequests] },
    );
    const registered = config.clientMetadata();
    expect(registered.client_id).toBeTypeOf("string");
    expect(registered.client_secret).toBeTypeOf("string");
    expect(registered.client_secret_expires_at).toBe(0);
    expect(registered.client_id_issued_at).toBeTypeOf("number");
    expect(registered.registration_access_token).toBeTypeOf("string");
    expect(registered.registration_client_uri).toBe(`${server.issuer}/register/${registered.client_id}`);
    expect(registered.id_token_signed_response_alg).toBe("RS256");
    const stored = await server.ctx.durable.clients.get(registered.client_id);
    expect(stored?.name).toBe("Registered Printer");
    expect(stored?.secretHash).not.toContain(registered.client_secret as string);

    const person = await makeUser(server.ctx);
    const rp = { id: registered.client_id, secret: "", redirectUri: CALLBACK, config };
    const { tokens, pages } = await codeFlow(rp, new FormBrowser(server.url), person);
    expect(pages).toEqual(["/login", "/consent"]);
    expect(tokens.claims()?.sub).toBe(person.user.id);
    expect(tokens.claims()?.aud).toBe(registered.client_id);
    expect(tokens.refresh_token).toBeTypeOf("string");
  });

  it("registers a public client (token_endpoint_auth_method none) without a secret", async () => {
    const { status, json } = await sendJson(server, "POST", "/register", {
      token: await initialAccessToken(server),
      body: { redirect_uris: [CALLBACK], token_endpoint_auth_method: "none" },
    });
    expect(status).toBe(201);
    expect(json).not.toHaveProperty("client_secret");
    expect(json).not.toHaveProperty("client_secret_expires_at");
    expect(json).toMatchObject({ token_endpoint_auth_method: "none", grant_types: ["authorization_code"] });
    expect(json?.response_types).toEqual(["code"]);
    expect(json?.scope).toBe("openid");
  });

  it("stores every metadata field on the client record", async () => {
    const jwks = {
      keys: [
        {
          kty: "EC",
          crv: "P-256",
          x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
          y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        },
      ],
    };
    const { status, json } = await sendJson(server, "POST", "/register", {
      token: await initialAccessToken(server),
      body: {
        client_name: "Key Holder",
        redirect_uris: [CALLBACK],
        post_logout_redirect_uris: ["http://127.0.0.1:9/bye"],
        token_endpoint_auth_method: "private_key_jwt",
        jwks,
        id_token_signed_response_alg: "ES256",
        require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true,
        backchannel_logout_uri: "https://rp.example.com/backchannel",
        backchannel_logout_session_required: true,
        logo_uri: "https://rp.example.com/logo.png",
        client_uri: "https://rp.example.com/",
        policy_uri: "https://rp.example.com/privacy",
        tos_uri: "https://rp.example.com/tos",
        software_id: "ignored, unknown fields are ignored",
      },
    });
    expect(status).toBe(201);
    expect(json).not.toHaveProperty("client_secret");
    expect(json).not.toHaveProperty("software_id");
    const stored = await server.ctx.durable.clients.get(json?.client_id as string);
    expect(stored).toMatchObject({
      name: "Key Holder",
      tokenEndpointAuthMethod: "private_key_jwt",
      secretHash: null,
      postLogoutRedirectUris: ["http://127.0.0.1:9/bye"],
      metadata: {
        jwks,
        idTokenSignedResponseAlg: "ES256",
        requirePushedAuthorizationRequests: true,
        dpopBoundAccessTokens: true,
        backchannelLogoutUri: "https://rp.example.com/backchannel",
        backchannelLogoutSessionRequired: true,
        logoUri: "https://rp.example.com/logo.png",
        clientUri: "https://rp.example.com/",
        policyUri: "https://rp.example.com/privacy",
        tosUri: "https://rp.example.com/tos",
      },
    });
  });
});

describe("client configuration (RFC 7592) with the registration access token", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  async function register() {
    const { json } = await sendJson(server, "POST", "/register", {
      token: await initialAccessToken(server),
      body: {
        client_name: "Managed",
        redirect_uris: [CALLBACK],
        grant_types: ["authorization_code", "client_credentials"],
        scope: "openid profile",
      },
    });
    return json as {
      client_id: string;
      client_secret: string;
      registration_access_token: string;
      registration_client_uri: string;
    };
  }

  it("reads the registration (GET), without the secret", async () => {
    const client = await register();
    const { status, json, headers } = await sendJson(server, "GET", client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(json).toMatchObject({
      client_id: client.client_id,
      client_name: "Managed",
      redirect_uris: [CALLBACK],
      scope: "openid profile",
      registration_client_uri: client.registration_client_uri,
    });
    expect(json).not.toHaveProperty("client_secret");
    expect(json).not.toHaveProperty("registration_access_token");
  });

  it("replaces the registration (PUT): omitted fields reset, the secret keeps working", async () => {
    const client = await register();
    const { status, json } = await sendJson(server, "PUT", client.registration_client_uri, {
      token: client.registration_access_token,
      body: {
        client_id: client.client_id,
        client_secret: client.client_secret,
        client_name: "Renamed",
        redirect_uris: ["https://rp.example.com/cb"],
        grant_types: ["authorization_code"],
        scope: "openid email",
        token_endpoint_auth_method: "client_secret_post",
      },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      client_name: "Renamed",
      redirect_uris: ["https://rp.example.com/cb"],
      grant_types: ["authorization_code"],
      scope: "openid email",
      token_endpoint_auth_method: "client_secret_post",
    });
    const stored = await server.ctx.durable.clients.get(client.client_id);
    expect(stored).toMatchObject({ name: "Renamed", scopes: ["openid", "email"], metadata: {} });
    const reread = await sendJson(server, "GET", client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(reread.json?.client_name).toBe("Renamed");
  });

  it("refuses a PUT whose client_id does not match, that sets a secret by value, or sends server-issued fields; nothing changes", async () => {
    const client = await register();
    const before = await server.ctx.durable.clients.get(client.client_id);
    const attempts: [Record<string, unknown>, string, string][] = [
      [{ redirect_uris: [CALLBACK] }, "invalid_client_metadata", "client_id"],
      [{ client_id: "someone-else", redirect_uris: [CALLBACK] }, "invalid_client_metadata", "client_id"],
      [
        { client_id: client.client_id, client_secret: "my-own-secret", redirect_uris: [CALLBACK] },
        "invalid_client_metadata",
        "client_secret",
      ],
      [
        { client_id: client.client_id, registration_access_token: "x", redirect_uris: [CALLBACK] },
        "invalid_request",
        "registration_access_token",
      ],
      [
        { client_id: client.client_id, redirect_uris: ["http://rp.example.com/cb"] },
        "invalid_redirect_uri",
        "redirect_uris",
      ],
      [
        { client_id: client.client_id, redirect_uris: [CALLBACK], token_endpoint_auth_method: "none" },
        "invalid_client_metadata",
        "token_endpoint_auth_method",
      ],
    ];
    for (const [body, error, field] of attempts) {
      const { status, json } = await sendJson(server, "PUT", client.registration_client_uri, {
        token: client.registration_access_token,
        body,
      });
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json?.error, JSON.stringify(body)).toBe(error);
      expect(json?.error_description, JSON.stringify(body)).toContain(field);
    }
    expect(await server.ctx.durable.clients.get(client.client_id)).toEqual(before);
  });

  it("refuses a wrong, missing or another client's token with 401 invalid_token, changing nothing", async () => {
    const client = await register();
    const other = await register();
    const before = await server.ctx.durable.clients.get(client.client_id);
    const count = await clientCount(server);
    for (const token of [
      undefined,
      "not-a-token",
      other.registration_access_token,
      await initialAccessToken(server),
    ]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const { status, json, headers } = await sendJson(server, method, client.registration_client_uri, {
          token,
          ...(method === "PUT"
            ? { body: { client_id: client.client_id, client_name: "Hijacked", redirect_uris: [CALLBACK] } }
            : {}),
        });
        expect(status, `${method} ${token}`).toBe(401);
        expect(json?.error).toBe("invalid_token");
        expect(headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    expect(await server.ctx.durable.clients.get(client.client_id)).toEqual(before);
    expect(await clientCount(server)).toBe(count);
  });

  it("deletes the registration (DELETE 204): the client is refused everywhere at once, and so is the token", async () => {
    const client = await register();
    const auth = { authorization: basic(client.client_id, client.client_secret) };
    const before = await postForm(server, "/token", { grant_type: "client_credentials" }, auth);
    expect(before.status).toBe(200);
    const deleted = await sendJson(server, "DELETE", client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(deleted.status).toBe(204);
    expect(await server.ctx.durable.clients.get(client.client_id)).toBeUndefined();
    const after = await postForm(server, "/token", { grant_type: "client_credentials" }, auth);
    expect(after.status).toBe(401);
    expect(after.json?.error).toBe("invalid_client");
    const introspected = await postForm(
      server,
      "/introspect",
      { token: before.json?.access_token as string },
      auth,
    );
    expect(introspected.status).toBe(401);
    const read = await sendJson(server, "GET", client.registration_client_uri, {
      token: client.registration_access_token,
    });
    expect(read.status).toBe(401);
    expect(read.json?.error).toBe("invalid_token");
  });
});
