import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passkeyRepository } from "../../../src/features/passkeys/repositories.js";
import { FormBrowser } from "../../helpers/browser.js";
import { signIn } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { ceremonyOptions, csrfOf, passkeySignIn, postAnswer, registerPasskey } from "./helpers.js";
import { SoftAuthenticator } from "./soft-authenticator.js";

const SESSION = "frontdesk_session";

describe("a passkey as the second step after a password", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  failOnErrorLogs(() => server);

  async function personWithPasskey() {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const authenticator = new SoftAuthenticator();
    await registerPasskey(browser, authenticator);
    return { ...person, browser, authenticator };
  }

  /** The password, then the second-factor page (no session yet). */
  async function afterPassword(person: { username: string; password: string }) {
    const browser = new FormBrowser(server.issuer);
    const { response, url } = await signIn(browser, person);
    expect(new URL(url).pathname).toBe("/login/second-factor");
    expect(browser.cookie(SESSION)).toBeUndefined();
    const page = await response.text();
    expect(page).toContain('data-passkey="second-factor"');
    return { browser, csrf: csrfOf(page) };
  }

  it("after the password, the person's passkey completes the sign-in: pwd, hwk, user, mfa", async () => {
    const person = await personWithPasskey();
    const { browser, csrf } = await afterPassword(person);
    const { status, json } = await ceremonyOptions(browser, "second-factor", { csrf });
    expect(status).toBe(200);
    expect(json.allowCredentials).toEqual([
      { id: person.authenticator.id, type: "public-key", transports: ["internal"] },
    ]);
    const answer = person.authenticator.assert(json as never, server.issuer);
    const { url } = await postAnswer(browser, "/passkeys/second-factor", { csrf }, answer);
    expect(new URL(url).pathname).toBe("/account");
    const session = await server.ctx.sessions.resolve(browser.cookie(SESSION));
    expect(session?.amr).toEqual(["pwd", "hwk", "user", "mfa"]);
    expect(session?.acr).toBe("urn:frontdesk:acr:phr");
    // The held sign-in was used up: the same answer again completes nothing.
    const replay = await postAnswer(browser, "/passkeys/second-factor", { csrf }, answer);
    expect(new URL(replay.url).searchParams.get("error")).toBe("passkey-failed");
    expect(await server.ctx.sessions.listForUser(person.user.id)).toHaveLength(2);
    // Each answer was one reply (never a second one on a reply already sent).
    expect(server.logLines().filter((l) => /already sent/.test(l.msg ?? ""))).toEqual([]);
  });

  it("refuses another person's passkey for the held sign-in", async () => {
    const a = await personWithPasskey();
    const b = await personWithPasskey();
    const { browser, csrf } = await afterPassword(a);
    const { json } = await ceremonyOptions(browser, "second-factor", { csrf });
    const answer = b.authenticator.assert(json as never, server.issuer);
    const { url } = await postAnswer(browser, "/passkeys/second-factor", { csrf }, answer);
    expect(new URL(url).searchParams.get("error")).toBe("passkey-failed");
    expect(browser.cookie(SESSION)).toBeUndefined();
    if (process.env.FRONTDESK_TEST_DEPLOYMENT !== "distributed")
      expect(server.logLines().some((l) => l.action === "passkey.refused" && l.user === b.user.id)).toBe(
        true,
      );
  });

  it("removing the last passkey needs a sign-in that used it", async () => {
    const { browser, authenticator, user } = await personWithPasskey();
    const passkeys = passkeyRepository(server.ctx.durable);
    const remove = async (b: FormBrowser) => {
      const page = await (await b.request("/account")).text();
      return b.follow("/account/passkeys/remove", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: csrfOf(page), passkey: authenticator.id }).toString(),
      });
    };
    // This session signed in with the password only.
    const refused = await remove(browser);
    expect(new URL(refused.url).search).toBe("?notice=passkey-last");
    expect(await refused.response.text()).toContain("your last second step");
    expect(await passkeys.listByUser(user.id)).toHaveLength(1);
    const withPasskey = new FormBrowser(server.issuer);
    await passkeySignIn(withPasskey, authenticator);
    const removed = await remove(withPasskey);
    expect(new URL(removed.url).search).toBe("?notice=passkey-removed");
    expect(await passkeys.listByUser(user.id)).toEqual([]);
  });
});

describe("setting up a passkey right after the password when a second factor is required", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { secondFactor: { require: "everyone" } } });
  });
  afterAll(async () => {
    await server?.close();
  });
  failOnErrorLogs(() => server);

  it("the second-factor page offers a new passkey, which completes the sign-in", async () => {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const { response, url } = await signIn(browser, person);
    expect(new URL(url).pathname).toBe("/login/second-factor");
    const page = await response.text();
    expect(page).toContain('data-passkey="enrol"');
    const csrf = csrfOf(page);
    const { status, json } = await ceremonyOptions(browser, "enrol", { csrf });
    expect(status).toBe(200);
    const answer = new SoftAuthenticator().register(json as never, server.issuer);
    const done = await postAnswer(browser, "/passkeys/enrol", { csrf, name: "Phone" }, answer);
    expect(new URL(done.url).pathname).toBe("/account");
    const session = await server.ctx.sessions.resolve(browser.cookie(SESSION));
    expect(session?.amr).toEqual(["pwd", "hwk", "mfa"]);
    const stored = await passkeyRepository(server.ctx.durable).listByUser(person.user.id);
    expect(stored.map((p) => p.name)).toEqual(["Phone"]);
    // A session (not a held sign-in) cannot use the on-the-spot set-up.
    const again = await ceremonyOptions(browser, "enrol", { csrf });
    expect(again.status).toBe(403);
  });
});
