import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, fieldNames, postForm } from "./helpers/http.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { gatewayToken, signIn } from "./helpers/sign-in.js";
import { makeUser } from "./helpers/users.js";

describe("admin API (/admin/api)", () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  const http = { [oauth.allowInsecureRequests]: true };

  async function tokenFor(scopes: string, resource?: string): Promise<string> {
    const { id, secret } = await server.client({ scopes });
    const client: oauth.Client = { client_id: id };
    const params = new URLSearchParams(resource ? { resource } : {});
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      params,
      http,
    );
    return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
  }
  const call = (path: string, token: string | undefined, method = "GET") =>
    fetch(`${server.url}/admin/api${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  beforeAll(async () => {
    server = await startTestServer();
    const issuer = new URL(server.issuer);
    as = await oauth.discoveryRequest(issuer, http).then((r) => oauth.processDiscoveryResponse(issuer, r));
  });
  afterAll(() => server.close());

  it("revokes a user everywhere with one call: sessions, gateway tokens", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    const { user, username, password } = await makeUser(server.ctx);
    const browser = await signIn(server.url, username, password);
    const internal = await gatewayToken(browser);

    const answer = await call(`/users/${username}/revoke`, admin, "POST");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ revoked: user.id, sessions: 1 });
    expect((await browser.request("/authz")).status).toBe(401);
    const claims = await server.ctx.accessTokens.verify(internal);
    expect(claims && (await server.ctx.revocations.isRevoked(claims))).toBe(true);
  });

  it("disables and enables a user: POST /users/:user/disable, then /users/:user/enable lets them sign in again", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    const { user, username, password } = await makeUser(server.ctx);
    expect(await (await call(`/users/${username}/disable`, admin, "POST")).json()).toEqual({
      disabled: user.id,
    });
    await expect(signIn(server.url, username, password)).rejects.toThrow(/sign-in failed/);
    const enabled = await call(`/users/${user.id}/enable`, admin, "POST");
    expect(enabled.status).toBe(200);
    expect(await enabled.json()).toEqual({ enabled: user.id });
    expect((await (await signIn(server.url, username, password)).request("/authz")).status).toBe(200);
    expect((await call("/users/nobody/enable", admin, "POST")).status).toBe(404);
  });

  it("deletes a user: DELETE /users/:user revokes their sessions and gateway tokens and removes the record", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    const { user, username, password } = await makeUser(server.ctx);
    const browser = await signIn(server.url, username, password);
    const internal = await gatewayToken(browser);
    const answer = await call(`/users/${username}`, admin, "DELETE");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ deleted: user.id, sessions: 1, families: 0, grants: 0 });
    expect((await browser.request("/authz")).status).toBe(401);
    const claims = await server.ctx.accessTokens.verify(internal);
    expect(claims && (await server.ctx.revocations.isRevoked(claims))).toBe(true);
    expect(await server.ctx.durable.users.get(user.id)).toBeUndefined();
    const users = (await (await call("/users", admin)).json()) as { users: { id: string }[] };
    expect(users.users.map((u) => u.id)).not.toContain(user.id);
    expect((await call(`/users/${user.id}`, admin, "DELETE")).status).toBe(404);
  });

  it("lists users and clients, deletes a client, rotates keys", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    expect((await (await call("/users", admin)).json()) as object).toHaveProperty("users");
    const victim = await server.client({ name: "to delete" });
    const clients = (await (await call("/clients", admin)).json()) as { clients: { client_id: string }[] };
    expect(clients.clients.map((c) => c.client_id)).toContain(victim.id);
    expect((await call(`/clients/${victim.id}`, admin, "DELETE")).status).toBe(200);
    expect((await call(`/clients/${victim.id}`, admin, "DELETE")).status).toBe(404);
    const rotated = (await (await call("/keys/rotate", admin, "POST")).json()) as { activated: string };
    expect(typeof rotated.activated).toBe("string");
  });

  it("rotates a client secret: POST /clients/:client/rotate-secret?grace=SECONDS", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    const { id, secret: old } = await server.client();
    const status = async (secret: string) =>
      (
        await postForm(
          server,
          "/token",
          { grant_type: "client_credentials" },
          { authorization: basic(id, secret) },
        )
      ).status;
    const answer = await call(`/clients/${id}/rotate-secret?grace=600`, admin, "POST");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const body = (await answer.json()) as {
      client_id: string;
      client_secret: string;
      previous_secret_expires_at: number;
    };
    expect(body.client_id).toBe(id);
    expect(body.previous_secret_expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
    expect(await status(old)).toBe(200);
    expect(await status(body.client_secret)).toBe(200);

    const immediate = (await (await call(`/clients/${id}/rotate-secret?grace=0`, admin, "POST")).json()) as {
      client_secret: string;
      previous_secret_expires_at: null;
    };
    expect(immediate.previous_secret_expires_at).toBeNull();
    expect(await status(body.client_secret)).toBe(401);
    expect(await status(immediate.client_secret)).toBe(200);

    const bad = await call(`/clients/${id}/rotate-secret?grace=soon`, admin, "POST");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_request" });
    expect((await call("/clients/nobody/rotate-secret", admin, "POST")).status).toBe(404);
    expect(await status(immediate.client_secret)).toBe(200);
  });

  it("names every response field in snake_case: users, clients, keys", async () => {
    const admin = await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`);
    await makeUser(server.ctx);
    const { id } = await server.client();
    const bodies = [
      await (await call("/users", admin)).json(),
      await (await call("/clients", admin)).json(),
      await (await call(`/clients/${id}/rotate-secret`, admin, "POST")).json(),
      await (await call("/keys", admin)).json(),
      await (await call("/keys/rotate", admin, "POST")).json(),
    ];
    const names = bodies.flatMap(fieldNames);
    expect(names.filter((name) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["created_at", "client_id", "activated_at", "retired_at"]));
  });

  it("refuses without a token, with a token for another audience, and without the admin scope", async () => {
    const none = await call("/users", undefined);
    expect(none.status).toBe(401);
    // Both schemes are offered (RFC 9449 7.1): Bearer, and DPoP with its proof algorithms.
    expect(none.headers.get("www-authenticate")).toBe(
      'Bearer realm="frontdesk", DPoP algs="ES256 EdDSA Ed25519 RS256 PS256"',
    );

    const wrongAudience = await call("/users", await tokenFor("frontdesk:admin"));
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const noScope = await call("/users", await tokenFor("reports:read", `${server.issuer}/admin/api`));
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get("www-authenticate")).toContain('scope="frontdesk:admin"');

    expect(
      (
        await call(
          "/users/nobody/revoke",
          await tokenFor("frontdesk:admin", `${server.issuer}/admin/api`),
          "POST",
        )
      ).status,
    ).toBe(404);
  });
});
