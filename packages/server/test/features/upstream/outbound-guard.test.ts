import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { alertText } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider, storeProvider, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../../helpers/upstream-oidc.js";
import { buttonHref, throughProvider, unique, usersWith } from "./helpers.js";

const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

/**
 * Requests to upstream providers (discovery, token, user info, keys) go through the
 * outbound guard like every other outbound request. The server runs in production
 * mode, whose policy fetches only https and never an internal address; the provider
 * is node-oidc-provider over http on this machine, which only development allows.
 */
describe("upstream providers are reached only through the outbound guard", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer({
      mode: "production",
      keyEncryptionSecret: "a production key-encryption secret, 32+ chars",
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  function expectLoggedBlocked() {
    if (distributed) return; // the processes log elsewhere
    const line = server.logLines().find((l) => l.msg === "upstream sign-in failed");
    expect(line).toMatchObject({ reason: "unavailable" });
    expect((line?.err as { message?: string } | undefined)?.message).toMatch(
      /address is not allowed: only https/,
    );
  }

  it("adding a provider whose discovery document the policy refuses: refused, naming why, nothing stored", async () => {
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/blocked/callback`]);
    await expect(
      addProvider(server, {
        id: "blocked",
        name: "Blocked",
        issuer: upstream.issuer,
        clientId,
        clientSecret,
      }),
    ).rejects.toThrow(/--issuer: could not read .*only https URLs are fetched/);
    expect(await upstreamOf(server.ctx).providers.get("blocked")).toBeUndefined();
  });

  it("an OpenID provider stored anyway: the sign-in stops at a failure page before the browser is sent there", async () => {
    server.clearLogs();
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/stored/callback`]);
    await storeProvider(
      server,
      { id: "stored", name: "Stored ID", issuer: upstream.issuer, clientId, clientSecret },
      {},
    );
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    const started = await browser.request(buttonHref(page, "Stored ID"));
    expect(started.status).toBe(502);
    const text = await started.text();
    expect(alertText(text)).toMatch(/Stored ID could not be reached/);
    expect(text).toContain("Use another way to sign in");
    expectLoggedBlocked();
  });

  it("a plain OAuth 2.0 provider: its token endpoint is never called, the person sees a failure page, nothing is created", async () => {
    server.clearLogs();
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
    const login = unique("octo");
    const email = `${login}@octo.example`;
    upstream.accounts.set(login, { sub: login, id: 7, login, email, email_verified: true });
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    // The browser goes to the provider (that is the person's request, not the server's) and comes back with a code.
    const callback = new URL(await throughProvider(browser, page, upstream, "Octo", login));
    expect(callback.searchParams.get("code")).toBeTruthy();
    const seen = upstream.tokenResponses.length;
    const { response } = await browser.follow(callback.href);
    expect(response.status).toBe(502);
    expect(alertText(await response.text())).toMatch(/Octo could not be reached/);
    expect(upstream.tokenResponses.length).toBe(seen);
    expect(await usersWith(server, email)).toEqual([]);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expectLoggedBlocked();
  });
});
