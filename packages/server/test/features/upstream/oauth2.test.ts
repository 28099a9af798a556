import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider, storeProvider, upstreamOf } from "../../helpers/upstream.js";
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
  const closers: (() => void)[] = [];
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    for (const close of closers) close();
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

  it("GitHub's way: the verified primary address comes from the emails endpoint, called with the person's access token", async () => {
    // The address list GitHub's /user/emails gives, served for the access token node-oidc-provider issued.
    const lists = new Map<string, { email: string; primary: boolean; verified: boolean }[]>();
    const emails = createServer(async (req, res) => {
      const me = await fetch(`${upstream.issuer}/me`, {
        headers: { authorization: req.headers.authorization ?? "" },
      });
      if (!me.ok) return res.writeHead(401).end();
      const { sub } = (await me.json()) as { sub: string };
      res.setHeader("content-type", "application/json").end(JSON.stringify(lists.get(sub) ?? []));
    });
    await new Promise<void>((resolve) => emails.listen(0, "127.0.0.1", resolve));
    closers.push(() => emails.close());
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/gh/callback`]);
    await storeProvider(
      server,
      {
        id: "gh",
        preset: "github",
        clientId,
        clientSecret,
        issuer: upstream.issuer,
        authorizationEndpoint: `${upstream.issuer}/auth`,
        tokenEndpoint: `${upstream.issuer}/token`,
        userinfoEndpoint: `${upstream.issuer}/me`,
        scopes: ["openid", "profile"],
      },
      { emailsEndpoint: `http://127.0.0.1:${(emails.address() as AddressInfo).port}/user/emails` },
    );
    const login = unique("gh");
    const primary = `${login}@primary.example`;
    upstream.accounts.set(login, {
      sub: login,
      id: Math.floor(Math.random() * 1e9),
      login,
      name: "Git Hubber",
    });
    lists.set(login, [
      { email: `${login}@unverified.example`, primary: false, verified: false },
      { email: `${login}@secondary.example`, primary: false, verified: true },
      { email: primary, primary: true, verified: true },
    ]);
    const { url } = await signInThrough(server, upstream, "GitHub", login);
    expect(new URL(url).pathname).toBe("/account");
    const [user] = await usersWith(server, primary);
    expect(user).toMatchObject({ username: login, name: "Git Hubber" });
  });
});
