import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { beginAuthorization, type RelyingParty, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addUpstreamOidc, upstreamOf } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc, walkUpstream } from "../../helpers/upstream-oidc.js";

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

describe("sign-in through an upstream OpenID provider (node-oidc-provider)", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;
  let rp: RelyingParty;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer();
    await addUpstreamOidc(server, upstream);
    rp = await relyingParty(server);
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  /** From Frontdesk's sign-in page, through the provider, back to wherever Frontdesk sends the browser. */
  async function continueWith(browser: FormBrowser, loginPage: string, login: string) {
    const button = /<a class="button" href="([^"]+)">Continue with Corp ID<\/a>/.exec(loginPage)?.[1];
    expect(button).toBeDefined();
    const started = await browser.follow((button as string).replace(/&amp;/g, "&"));
    expect(started.url.startsWith(upstream.issuer)).toBe(true);
    const back = await walkUpstream(new FormBrowser(upstream.issuer), started.url, login);
    expect(back.startsWith(`${server.issuer}/upstream/corp/callback`)).toBe(true);
    return browser.follow(back);
  }

  it("a first sign-in creates a passwordless account and continues the authorization request; the ID token says amr fed and idp", async () => {
    const sub = unique("ann");
    upstream.accounts.set(sub, {
      sub,
      email: `${sub}@corp.example`,
      email_verified: true,
      name: "Ann Upstream",
    });
    const browser = new FormBrowser(server.issuer);
    const start = await beginAuthorization(rp, browser);
    expect(new URL(start.url).pathname).toBe("/login");
    const landed = await continueWith(browser, await start.response.text(), sub);
    // consent page for the third-party client, then back to the client
    expect(new URL(landed.url).pathname).toBe("/consent");
    const consented = await browser.submit(
      await landed.response.text(),
      {},
      { button: { name: "decision", value: "allow" } },
    );
    const callback = new URL(consented.url);
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims?.amr).toEqual(["fed"]);
    expect(claims?.idp).toBe("corp");
    const user = await server.ctx.durable.users.get(String(claims?.sub));
    expect(user).toMatchObject({
      passwordHash: null,
      email: `${sub}@corp.example`,
      emailVerified: true,
      name: "Ann Upstream",
    });
    const identities = await upstreamOf(server.ctx).identities.listByUser(user?.id as string);
    expect(identities).toMatchObject([{ providerId: "corp", issuer: upstream.issuer, subject: sub }]);
  });

  it("the next sign-in finds the same account by (provider, issuer, subject), even with a changed address", async () => {
    const sub = unique("ben");
    upstream.accounts.set(sub, { sub, email: `${sub}@corp.example`, email_verified: true });
    const first = new FormBrowser(server.issuer);
    await continueWith(first, await (await first.request("/login")).text(), sub);
    const firstUser = (await server.ctx.durable.users.findByEmail(`${sub}@corp.example`))[0];
    upstream.accounts.set(sub, { sub, email: `${sub}-new@corp.example`, email_verified: true });
    const again = new FormBrowser(server.issuer);
    const landed = await continueWith(again, await (await again.request("/login")).text(), sub);
    expect(new URL(landed.url).pathname).toBe("/account");
    expect(await landed.response.text()).toContain(firstUser?.username as string);
    expect(await server.ctx.durable.users.findByEmail(`${sub}-new@corp.example`)).toEqual([]);
  });

  it("a callback without the browser's own flow (another browser, or a replay) is refused and signs nobody in", async () => {
    const sub = unique("cat");
    upstream.accounts.set(sub, { sub, email: `${sub}@corp.example`, email_verified: true });
    const browser = new FormBrowser(server.issuer);
    const login = await (await browser.request("/login")).text();
    const button = /href="([^"]+)">Continue with Corp ID/.exec(login)?.[1] as string;
    const started = await browser.follow(button.replace(/&amp;/g, "&"));
    const back = await walkUpstream(new FormBrowser(upstream.issuer), started.url, sub);
    const elsewhere = new FormBrowser(server.issuer);
    const refused = await elsewhere.follow(back);
    expect(refused.response.status).toBe(400);
    expect(await refused.response.text()).toContain("started in another browser");
    expect(await server.ctx.durable.users.findByEmail(`${sub}@corp.example`)).toEqual([]);
    const done = await browser.follow(back);
    expect(new URL(done.url).pathname).toBe("/account");
    const replayed = await browser.follow(back);
    expect(replayed.response.status).toBe(400);
  });

  it("an upstream username or address that does not fit is adapted: a free username, no address when it is not one", async () => {
    const taken = unique("taken");
    await createUser(server.ctx, { username: taken, password: "a local person's passphrase" });
    const sub = unique("odd");
    upstream.accounts.set(sub, {
      sub,
      email: "not an address",
      email_verified: true,
      preferred_username: taken,
    });
    const browser = new FormBrowser(server.issuer);
    const landed = await continueWith(browser, await (await browser.request("/login")).text(), sub);
    expect(new URL(landed.url).pathname).toBe("/account");
    const identity = (await upstreamOf(server.ctx).identities.find("corp", upstream.issuer, sub)) as {
      userId: string;
    };
    const user = await server.ctx.durable.users.get(identity.userId);
    expect(user?.username).toBe(`${taken}-2`);
    expect(user?.email).toBeNull();
  });
});
