import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../../helpers/upstream-oidc.js";
import { signInThrough, unique, usersWith } from "./helpers.js";

/**
 * `--kind oauth2`: no discovery and no ID token used; the endpoints are given, the
 * person comes from the user-info endpoint through a claim mapping (GitHub-like
 * fields: a numeric `id`, a `login`). The provider is node-oidc-provider's own
 * authorization, token and user-info endpoints.
 */
describe("sign-in through a plain OAuth 2.0 provider", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/octo/callback`]);
    await addProvider(server, {
      id: "octo",
      name: "Octo",
      kind: "oauth2",
      authorizationEndpoint: `${upstream.issuer}/auth`,
      tokenEndpoint: `${upstream.issuer}/token`,
      userinfoEndpoint: `${upstream.issuer}/me`,
      claims: { sub: "id", preferred_username: "login", email: "email" },
      scopes: ["openid", "email", "profile"],
      clientId,
      clientSecret,
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  it("maps the user-info fields: the identity's subject is the mapped id, the username the login", async () => {
    const login = unique("octo");
    const id = Math.floor(Math.random() * 1e9);
    const email = `${login}@octo.example`;
    upstream.accounts.set(login, { sub: login, id, login, email, email_verified: true });
    const { url } = await signInThrough(server, upstream, "Octo", login);
    expect(new URL(url).pathname).toBe("/account");
    const [user] = await usersWith(server, email);
    expect(user).toMatchObject({ username: login, passwordHash: null, emailVerified: false });
    const identities = await upstreamOf(server.ctx).identities.listByUser(user?.id as string);
    // Keyed by the configured authorization server's origin and the mapped id, not node-oidc-provider's own `sub`.
    expect(identities).toMatchObject([{ providerId: "octo", issuer: upstream.issuer, subject: String(id) }]);
    const again = await signInThrough(server, upstream, "Octo", login);
    expect(again.text).toContain(login);
    expect(await usersWith(server, email)).toHaveLength(1);
  });

  it("does not use the token response's ID token (never asked for): a broken one changes nothing", async () => {
    const login = unique("octo");
    upstream.accounts.set(login, {
      sub: login,
      id: Math.floor(Math.random() * 1e9),
      login,
      email: `${login}@octo.example`,
    });
    upstream.tamper = (body) => ({ ...body, id_token: "not.a.token" });
    try {
      const { url } = await signInThrough(server, upstream, "Octo", login);
      expect(new URL(url).pathname).toBe("/account");
    } finally {
      upstream.tamper = undefined;
    }
  });
});
