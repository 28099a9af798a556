import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, deleteUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { beginAuthorization, type RelyingParty, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc, walkUpstream } from "../../helpers/upstream-oidc.js";
import { signInThrough, throughProvider, unique, usersWith } from "./helpers.js";

const PASSWORD = "local account's passphrase";

/**
 * Which account an upstream sign-in lands on. "Trusted" is marked --trust-email,
 * "Plain" is not; both are the same node-oidc-provider.
 */
describe("linking upstream identities to accounts", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  let rp: RelyingParty;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    for (const [id, name, trustEmail] of [
      ["trusted", "Trusted", true],
      ["plain", "Plain", false],
    ] as const) {
      const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/${id}/callback`]);
      await addProvider(server, { id, name, issuer: upstream.issuer, clientId, clientSecret, trustEmail });
    }
    rp = await relyingParty(server, { firstParty: true });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  async function localUser(emailVerified: boolean, email = `${unique("local")}@example.test`) {
    const username = unique("u");
    const user = await createUser(server.ctx, { username, password: PASSWORD, email, emailVerified });
    return { user, username, email };
  }
  function upstreamPerson(email: string, emailVerified: boolean) {
    const sub = unique("up");
    upstream.accounts.set(sub, { sub, email, email_verified: emailVerified });
    return sub;
  }
  const identitiesOf = (userId: string) => upstreamOf(server.ctx).identities.listByUser(userId);

  it("links automatically only when the provider is trusted for addresses, says the address is verified, and the local one is verified", async () => {
    const local = await localUser(true);
    const sub = upstreamPerson(local.email, true);
    const { url, text } = await signInThrough(server, upstream, "Trusted", sub);
    expect(new URL(url).pathname).toBe("/account");
    expect(text).toContain(local.username);
    expect(await identitiesOf(local.user.id)).toMatchObject([{ providerId: "trusted", subject: sub }]);
  });

  it("does not link when the provider says the address is unverified: the person must sign in to the account", async () => {
    const local = await localUser(true);
    const sub = upstreamPerson(local.email, false);
    const { response, text, browser } = await signInThrough(server, upstream, "Trusted", sub);
    expect(response.status).toBe(200);
    expect(text).toContain("You may already have an account");
    expect(text).not.toContain("Create a new account instead");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expect(await identitiesOf(local.user.id)).toEqual([]);
    expect(await usersWith(server, local.email)).toHaveLength(1);
  });

  it("does not link through a provider not trusted for addresses, even with both verified", async () => {
    const local = await localUser(true);
    const sub = upstreamPerson(local.email, true);
    const { text, browser } = await signInThrough(server, upstream, "Plain", sub);
    expect(text).toContain("You may already have an account");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expect(await identitiesOf(local.user.id)).toEqual([]);
  });

  it("pre-registration takeover, one way: an account someone registered first with the victim's (unconfirmed) address does not inherit the victim's upstream sign-in", async () => {
    const victimEmail = `${unique("victim")}@example.test`;
    const squatter = await localUser(false, victimEmail);
    const sub = upstreamPerson(victimEmail, true);
    const first = await signInThrough(server, upstream, "Trusted", sub);
    expect(first.text).toContain("You may already have an account");
    expect(first.browser.cookie("frontdesk_session")).toBeUndefined();
    // The victim does not own the squatter's account, and need not: the address is unconfirmed there.
    const created = await first.browser.submit(first.text, {}, { action: "/upstream/link/new" });
    expect(new URL(created.url).pathname).toBe("/account");
    const accounts = await usersWith(server, victimEmail);
    expect(accounts).toHaveLength(2);
    const victim = accounts.find((u) => u.id !== squatter.user.id);
    expect(victim).toMatchObject({ passwordHash: null, emailVerified: true });
    expect(await identitiesOf(victim?.id as string)).toMatchObject([{ subject: sub }]);
    expect(await identitiesOf(squatter.user.id)).toEqual([]);
    // The squatter's password opens only the squatter's account, which has no upstream identity.
    const squatterBrowser = new FormBrowser(server.issuer);
    const login = await (await squatterBrowser.request("/login")).text();
    const signedIn = await squatterBrowser.submit(login, { username: squatter.username, password: PASSWORD });
    expect(await signedIn.response.text()).toContain(squatter.username);
  });

  it("pre-registration takeover, the other way: an upstream account made with the victim's address does not open the victim's account, nor get one with it", async () => {
    const victim = await localUser(true);
    for (const [provider, claimsVerified] of [
      ["Plain", true],
      ["Trusted", false],
    ] as const) {
      const sub = upstreamPerson(victim.email, claimsVerified);
      const attempt = await signInThrough(server, upstream, provider, sub);
      expect(attempt.text).toContain("You may already have an account");
      expect(attempt.text).not.toContain("Create a new account instead");
      expect(attempt.browser.cookie("frontdesk_session")).toBeUndefined();
      const forced = await attempt.browser.request("/upstream/link/new", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          csrf: /name="csrf" value="([^"]+)"/.exec(attempt.text)?.[1] ?? "",
        }).toString(),
      });
      expect(forced.status).toBe(400);
    }
    expect(await identitiesOf(victim.user.id)).toEqual([]);
    expect(await usersWith(server, victim.email)).toHaveLength(1);
  });

  it("the owner links by signing in to the account; the authorization request then continues; next time the provider alone signs in", async () => {
    const local = await localUser(true);
    const sub = upstreamPerson(local.email, true);
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    const callback = await throughProvider(browser, await start.response.text(), upstream, "Plain", sub);
    const held = await browser.follow(callback);
    const heldPage = await held.response.text();
    expect(heldPage).toContain("Sign in to link Plain");
    const toLogin = await browser.follow(
      /href="([^"]+)">Sign in to link Plain/.exec(heldPage)?.[1]?.replace(/&amp;/g, "&") as string,
    );
    expect(new URL(toLogin.url).pathname).toBe("/login");
    const confirm = await browser.submit(await toLogin.response.text(), {
      username: local.username,
      password: PASSWORD,
    });
    expect(new URL(confirm.url).pathname).toBe("/upstream/link");
    const confirmPage = await confirm.response.text();
    expect(confirmPage).toContain(local.username);
    const linked = await browser.submit(confirmPage, {}, { action: "/upstream/link" });
    // First-party client: no consent page; back to the client with a code.
    expect(linked.url.startsWith(rp.redirectUri)).toBe(true);
    expect(new URL(linked.url).searchParams.get("code")).toBeTruthy();
    expect(await identitiesOf(local.user.id)).toMatchObject([{ providerId: "plain", subject: sub }]);
    const next = await signInThrough(server, upstream, "Plain", sub);
    expect(next.text).toContain(local.username);
  });

  it("a held identity belongs to the browser that was sent to the provider: another browser's sign-in links nothing", async () => {
    const local = await localUser(true);
    const sub = upstreamPerson(local.email, true);
    await signInThrough(server, upstream, "Plain", sub);
    const other = new FormBrowser(server.issuer);
    const login = await (await other.request("/login?return_to=/upstream/link")).text();
    const done = await other.submit(login, { username: local.username, password: PASSWORD });
    expect(done.response.status).toBe(400);
    expect(await done.response.text()).toContain("Nothing to link");
    expect(await identitiesOf(local.user.id)).toEqual([]);
  });

  it("the account page lists linked providers, links another after a fresh sign-in, and never unlinks the last way in", async () => {
    const email = `${unique("jit")}@corp.example`;
    const sub = upstreamPerson(email, true);
    const { browser, text } = await signInThrough(server, upstream, "Trusted", sub);
    expect(text).toContain("Sign-in providers");
    expect(text).toMatch(/<td>Trusted<\/td>/);
    expect(text).toContain("This is your only way to sign in");
    const [user] = await usersWith(server, email);
    const [only] = await identitiesOf(user?.id as string);
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1] as string;
    const refused = await browser.follow("/account/identities/unlink", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, identity: only?.id as string }).toString(),
    });
    expect(await refused.response.text()).toContain("your only way to sign in: add a password first");
    expect(await identitiesOf(user?.id as string)).toHaveLength(1);

    // Link the other provider (the same upstream person, through another client): the session is fresh.
    const linkStart = await browser.follow("/account/link/plain");
    expect(linkStart.url.startsWith(upstream.issuer)).toBe(true);
    const back = await walkUpstream(new FormBrowser(upstream.issuer), linkStart.url, sub);
    const linked = await browser.follow(back);
    const page = await linked.response.text();
    expect(page).toContain("The provider is linked");
    expect(await identitiesOf(user?.id as string)).toHaveLength(2);

    const unlinked = await browser.submit(page, {}, { action: "/account/identities/unlink" });
    expect(await unlinked.response.text()).toContain("The provider is unlinked");
    expect(await identitiesOf(user?.id as string)).toHaveLength(1);
  });

  it("linking from the account page an identity that belongs to another account is refused (409) and changes nothing", async () => {
    const owner = `${unique("own")}@corp.example`;
    const sub = upstreamPerson(owner, true);
    await signInThrough(server, upstream, "Trusted", sub);
    const [ownerUser] = await usersWith(server, owner);
    const other = await localUser(true);
    const browser = new FormBrowser(server.issuer);
    const login = await (await browser.request("/login")).text();
    await browser.submit(login, { username: other.username, password: PASSWORD });
    const linkStart = await browser.follow("/account/link/trusted");
    const back = await walkUpstream(new FormBrowser(upstream.issuer), linkStart.url, sub);
    const refused = await browser.follow(back);
    expect(refused.response.status).toBe(409);
    expect(await refused.response.text()).toContain("already linked to another account");
    expect(await identitiesOf(other.user.id)).toEqual([]);
    expect(await identitiesOf(ownerUser?.id as string)).toHaveLength(1);
  });

  it("deleting a user erases their linked identities: the next sign-in through the provider is a first one", async () => {
    const email = `${unique("gone")}@corp.example`;
    const sub = upstreamPerson(email, true);
    await signInThrough(server, upstream, "Trusted", sub);
    const [user] = await usersWith(server, email);
    expect(await identitiesOf(user?.id as string)).toHaveLength(1);
    await deleteUser(server.ctx, user as NonNullable<typeof user>);
    expect(await identitiesOf(user?.id as string)).toEqual([]);
    expect(await upstreamOf(server.ctx).identities.find("trusted", upstream.issuer, sub)).toBeUndefined();
    const again = await signInThrough(server, upstream, "Trusted", sub);
    expect(new URL(again.url).pathname).toBe("/account");
    const [fresh] = await usersWith(server, email);
    expect(fresh?.id).not.toBe(user?.id);
  });
});
