import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, disableUser } from "../../../src/users/users.js";
import { decodeEntities, FormBrowser } from "../../helpers/browser.js";
import {
  accountStatus,
  alertText,
  beginAuthorization,
  completeAuthorization,
  type Person,
  type RelyingParty,
  redeemCode,
  relyingParty,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider } from "../../helpers/upstream.js";

const PASSWORD = "corp password for tests";
const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

/**
 * Company single sign-on with a second Frontdesk as the company's identity provider:
 * "corp" holds the company's accounts, "app" (the Frontdesk under test) sends
 * addresses at corp.example there. Each server is its own origin, so each has its own
 * form-walking browser (cookie jar).
 */
describe("company SSO: a second Frontdesk as the upstream provider", () => {
  let corp: TestServer;
  let app: TestServer;
  let rp: RelyingParty;

  beforeAll(async () => {
    corp = await startTestServer();
    app = await startTestServer();
    const registered = await corp.client({
      name: "App",
      grantTypes: ["authorization_code"],
      redirectUris: [`${app.issuer}/upstream/corp/callback`],
      scopes: "openid email profile",
      firstParty: true,
    });
    await addProvider(app, {
      id: "corp",
      name: "Acme Corp",
      issuer: corp.issuer,
      clientId: registered.id,
      clientSecret: registered.secret,
      trustEmail: true,
      domains: ["corp.example"],
    });
    rp = await relyingParty(app);
  });
  afterAll(async () => {
    await app?.close();
    await corp?.close();
  });
  failOnErrorLogs(() => app);
  failOnErrorLogs(() => corp);

  /** A person at the company: their corp username is their work address, and corp has it verified. */
  async function corpPerson(name: string): Promise<Person & { email: string }> {
    const email = `${name}@corp.example`;
    await createUser(corp.ctx, { username: email, password: PASSWORD, email, emailVerified: true });
    return { username: email, password: PASSWORD, email };
  }

  /**
   * At corp: from its authorization endpoint through its sign-in page (and consent, if
   * shown) to the redirect back to app. Returns that callback URL and corp's sign-in page.
   */
  async function signInAtCorp(corpBrowser: FormBrowser, authorizationUrl: string, person: Person) {
    const at = await corpBrowser.follow(authorizationUrl);
    const page = await at.response.text();
    expect(new URL(at.url).pathname).toBe("/login");
    const { callback } = await completeAuthorization(
      corpBrowser,
      { response: new Response(page), url: at.url },
      person,
    );
    expect(`${callback.origin}${callback.pathname}`).toBe(`${app.issuer}/upstream/corp/callback`);
    return { callback, corpLoginPage: page };
  }

  /** The "Continue with Acme Corp" button of app's sign-in page, followed to corp. */
  async function continueWithCorp(appBrowser: FormBrowser, loginPage: string): Promise<string> {
    const href = /<a class="button" href="([^"]+)">Continue with Acme Corp<\/a>/.exec(loginPage)?.[1];
    expect(href).toBeDefined();
    const started = await appBrowser.follow(decodeEntities(href as string));
    expect(started.url.startsWith(`${corp.issuer}/authorize?`)).toBe(true);
    return started.url;
  }

  it("identifier-first: a work address without a password goes to corp, and the authorization request at app continues to its code (amr fed, idp corp); start and callback on different instances", async () => {
    const alice = await corpPerson("alice");
    // Pinned: the sign-in starts at one instance and the provider's answer lands on the other.
    const [first, second] = app.instanceUrls ?? [app.issuer, app.issuer];
    if (distributed) expect(first).not.toBe(second);
    const appBrowser = new FormBrowser(app.issuer);
    const start = await beginAuthorization(rp, appBrowser);
    expect(new URL(start.url).pathname).toBe("/login");
    const loginPage = await start.response.text();
    expect(loginPage).toContain("Username or work email");

    const toCorp = await appBrowser.at(first as string).submit(loginPage, { username: alice.username });
    const authorization = new URL(toCorp.url);
    expect(authorization.origin).toBe(corp.issuer);
    expect(authorization.searchParams.get("login_hint")).toBe(alice.email);

    const corpBrowser = new FormBrowser(corp.issuer);
    const { callback, corpLoginPage } = await signInAtCorp(corpBrowser, toCorp.url, alice);
    // corp's sign-in page has the address filled in from login_hint.
    expect(/<input id="username" [^>]*value="([^"]*)"/.exec(corpLoginPage)?.[1]).toBe(alice.email);

    const atSecond = appBrowser.at(second as string);
    const landed = await atSecond.follow(new URL(callback.pathname + callback.search, second).href);
    expect(new URL(landed.url).pathname).toBe("/consent");
    const { callback: back } = await completeAuthorization(atSecond, landed, { username: "", password: "" });
    expect(back.origin).toBe(new URL(rp.redirectUri).origin);
    const claims = (await redeemCode(rp, start, back)).claims();
    expect(claims?.amr).toEqual(["fed"]);
    expect(claims?.idp).toBe("corp");
    expect(claims?.email).toBe(alice.email);
    const user = await app.ctx.durable.users.get(String(claims?.sub));
    expect(user).toMatchObject({ passwordHash: null, email: alice.email, emailVerified: true });
  });

  it("an address at another domain, typed without a password, gets the usual error and goes nowhere", async () => {
    const appBrowser = new FormBrowser(app.issuer);
    const page = await (await appBrowser.request("/login")).text();
    const answer = await appBrowser.submit(page, { username: "alice@elsewhere.example", password: "" });
    expect(answer.response.status).toBe(400);
    expect(new URL(answer.url).pathname).toBe("/login");
    expect(alertText(await answer.response.text())).toBe("Enter your username and password.");
  });

  it("the Continue with Acme Corp button signs in the same way, and the account page lists the provider", async () => {
    const bob = await corpPerson("bob");
    const appBrowser = new FormBrowser(app.issuer);
    const authorization = await continueWithCorp(
      appBrowser,
      await (await appBrowser.request("/login")).text(),
    );
    expect(new URL(authorization).searchParams.has("login_hint")).toBe(false);
    const { callback } = await signInAtCorp(new FormBrowser(corp.issuer), authorization, bob);
    const landed = await appBrowser.follow(callback.href);
    expect(new URL(landed.url).pathname).toBe("/account");
    const account = await landed.response.text();
    expect(account).toContain("Sign-in providers");
    expect(account).toMatch(/<td>Acme Corp<\/td><td data-label="Account there">bob@corp\.example<\/td>/);
    const [user] = await app.ctx.durable.users.findByEmail(bob.email);
    expect(user).toMatchObject({ passwordHash: null, emailVerified: true });
  });

  it("a disabled account at app is refused after the corp sign-in, with a clear page and no session", async () => {
    const carol = await corpPerson("carol");
    const appBrowser = new FormBrowser(app.issuer);
    const corpBrowser = new FormBrowser(corp.issuer);
    const first = await continueWithCorp(appBrowser, await (await appBrowser.request("/login")).text());
    const linked = await appBrowser.follow((await signInAtCorp(corpBrowser, first, carol)).callback.href);
    expect(new URL(linked.url).pathname).toBe("/account");
    const [user] = await app.ctx.durable.users.findByEmail(carol.email);
    await disableUser(app.ctx, user as NonNullable<typeof user>);
    expect(await accountStatus(appBrowser)).toBe(303);

    const again = await continueWithCorp(appBrowser, await (await appBrowser.request("/login")).text());
    // Still signed in at corp: corp sends the browser straight back.
    const back = await corpBrowser.follow(again);
    expect(back.url.startsWith(`${app.issuer}/upstream/corp/callback?`)).toBe(true);
    const refused = await appBrowser.follow(back.url);
    expect(refused.response.status).toBe(403);
    const page = await refused.response.text();
    expect(page).toContain("<h1>Sign-in with Acme Corp did not work</h1>");
    expect(alertText(page)).toBe("This account is disabled. Ask the people who run this service.");
    expect(page).toContain(">Use another way to sign in</a>");
    expect(await accountStatus(appBrowser)).toBe(303);
  });
});
