import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { passkeyRepository } from "../../../src/features/passkeys/repositories.js";
import { FormBrowser } from "../../helpers/browser.js";
import { signIn } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { ceremonyOptions, csrfOf, passkeySignIn, postAnswer, registerPasskey } from "./helpers.js";
import { SoftAuthenticator } from "./soft-authenticator.js";

/** Distributed: the server processes log elsewhere, and their clocks are their own. */
const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

describe("passkey ceremonies against a real server", () => {
  let server: TestServer;
  const passkeys = () => passkeyRepository(server.ctx.durable);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  failOnErrorLogs(() => server);

  /** A person with a password and one passkey, and the browser that added it. */
  async function personWithPasskey() {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await signIn(browser, person);
    const authenticator = new SoftAuthenticator();
    const options = await registerPasskey(browser, authenticator);
    return { ...person, browser, authenticator, options };
  }

  const refusals = (reason: string) =>
    server.logLines().filter((l) => l.action === "passkey.refused" && l.reason === reason);

  it("registration stores the credential with its user handle, rpId, AAGUID, transports and flags", async () => {
    const { user, authenticator, options } = await personWithPasskey();
    const [stored] = await passkeys().listByUser(user.id);
    expect(stored).toMatchObject({
      id: authenticator.id,
      userId: user.id,
      counter: 0,
      transports: ["internal"],
      backupEligible: false,
      backupState: false,
      aaguid: "00000000-0000-0000-0000-000000000000",
      rpId: "127.0.0.1",
      name: "Laptop",
      lastUsedAt: null,
    });
    // The user handle is 32 random bytes, not the username, and resolves to the person.
    const handle = (options.user as { id: string }).id;
    expect(Buffer.from(handle, "base64url")).toHaveLength(32);
    expect(handle).not.toContain(user.username);
    expect(await passkeys().userOfHandle(handle)).toBe(user.id);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: "required",
      userVerification: "preferred",
    });
  });

  it("a second registration excludes the person's passkeys", async () => {
    const { browser, authenticator } = await personWithPasskey();
    const page = await (await browser.request("/account/passkeys/new")).text();
    const { json } = await ceremonyOptions(browser, "register", { csrf: csrfOf(page) });
    expect(json.excludeCredentials).toEqual([
      { id: authenticator.id, type: "public-key", transports: ["internal"] },
    ]);
  });

  it("sign-in without a username: the user handle names the person, the session says hwk, user, mfa", async () => {
    const { user, authenticator } = await personWithPasskey();
    const browser = new FormBrowser(server.issuer);
    const { url } = await passkeySignIn(browser, authenticator);
    expect(new URL(url).pathname).toBe("/account");
    const sessions = await server.ctx.sessions.listForUser(user.id);
    const mine = sessions.map((s) => s.session).find((s) => s.amr.includes("hwk"));
    expect(mine?.amr).toEqual(["hwk", "user", "mfa"]);
    expect(mine?.acr).toBe("urn:frontdesk:acr:phr");
    expect((await passkeys().get(authenticator.id))?.counter).toBe(1);
  });

  it("refuses an assertion naming one person (user handle) with another person's credential", async () => {
    const a = await personWithPasskey();
    const b = await personWithPasskey();
    const browser = new FormBrowser(server.issuer);
    const { response } = await passkeySignIn(browser, b.authenticator, {
      userHandle: a.authenticator.userHandle,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The passkey was not accepted");
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    if (!distributed) expect(refusals("user-handle-mismatch")).toHaveLength(1);
    expect((await passkeys().get(b.authenticator.id))?.counter).toBe(0);
  });

  it("refuses an assertion made for another origin", async () => {
    const { authenticator } = await personWithPasskey();
    const browser = new FormBrowser(server.issuer);
    const { response } = await passkeySignIn(browser, authenticator, { origin: "https://phishing.example" });
    expect(response.status).toBe(400);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expect((await passkeys().get(authenticator.id))?.counter).toBe(0);
  });

  it("refuses an assertion made for another rpId", async () => {
    const { authenticator } = await personWithPasskey();
    const browser = new FormBrowser(server.issuer);
    const { response } = await passkeySignIn(browser, authenticator, { rpId: "phishing.example" });
    expect(response.status).toBe(400);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
  });

  it("refuses a replayed challenge: the same answer posted twice signs in once", async () => {
    const { authenticator } = await personWithPasskey();
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    const csrf = csrfOf(page);
    await ceremonyOptions(browser, "sign-in", { csrf });
    const ceremony = browser.cookie("frontdesk_passkey") as string;
    const { json } = await ceremonyOptions(browser, "sign-in", { csrf });
    const answer = authenticator.assert(json as never, server.issuer);
    const held = browser.cookie("frontdesk_passkey") as string;
    expect(held).not.toBe(ceremony);
    const first = await postAnswer(browser, "/passkeys/sign-in", { csrf }, answer);
    expect(new URL(first.url).pathname).toBe("/account");
    const replayer = new FormBrowser(server.issuer);
    replayer.setCookie("frontdesk_passkey", held);
    replayer.setCookie("frontdesk_csrf", browser.cookie("frontdesk_csrf") as string);
    const replay = await postAnswer(replayer, "/passkeys/sign-in", { csrf }, answer);
    expect(replay.response.status).toBe(400);
    expect(replayer.cookie("frontdesk_session")).toBeUndefined();
    // The earlier challenge was replaced when the second began: answering it finds nothing either.
    replayer.setCookie("frontdesk_passkey", ceremony);
    const stale = await postAnswer(replayer, "/passkeys/sign-in", { csrf }, answer);
    expect(stale.response.status).toBe(400);
  });

  it("refuses a counter that went backwards, and flags the credential as possibly cloned", async () => {
    const { authenticator } = await personWithPasskey();
    const first = await passkeySignIn(new FormBrowser(server.issuer), authenticator, { counter: 5 });
    expect(new URL(first.url).pathname).toBe("/account");
    const browser = new FormBrowser(server.issuer);
    const { response } = await passkeySignIn(browser, authenticator, { counter: 3 });
    expect(response.status).toBe(400);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    if (!distributed) {
      const flagged = server.logLines().filter((l) => l.action === "passkey.counter");
      expect(flagged).toHaveLength(1);
      expect(flagged[0]).toMatchObject({ level: 40, credential: authenticator.id, stored: 5, received: 3 });
      expect(flagged[0]?.msg).toMatch(/cloned/);
    }
    expect((await passkeys().get(authenticator.id))?.counter).toBe(5);
    // The same counter again is refused too (it must increase).
    const again = await passkeySignIn(new FormBrowser(server.issuer), authenticator, { counter: 5 });
    expect(again.response.status).toBe(400);
  });

  it.skipIf(distributed)(
    "refuses registration without a fresh sign-in: the page says to sign in again, options are refused",
    async () => {
      const person = await makeUser(server.ctx);
      const browser = new FormBrowser(server.issuer);
      await signIn(browser, person);
      const page = await (await browser.request("/account/passkeys/new")).text();
      const csrf = csrfOf(page);
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 6 * 60 * 1000);
      const stale = await (await browser.request("/account/passkeys/new")).text();
      expect(stale).toContain("sign in again to add a passkey");
      expect(stale).toContain('href="/login?return_to=%2Faccount%2Fpasskeys%2Fnew"');
      const { status, json } = await ceremonyOptions(browser, "register", { csrf });
      expect(status).toBe(403);
      expect(json.error).toBe("access_denied");
      vi.useRealTimers();
      // Nor does an answer to a ceremony begun while fresh count once the sign-in is old.
      const { json: options } = await ceremonyOptions(browser, "register", { csrf });
      const answer = new SoftAuthenticator().register(options as never, server.issuer);
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 6 * 60 * 1000);
      const { url } = await postAnswer(browser, "/account/passkeys", { csrf, name: "Late" }, answer);
      expect(new URL(url).pathname).toBe("/account/passkeys/new");
      expect(await passkeys().listByUser(person.user.id)).toEqual([]);
    },
  );

  it("refuses options and answers without the form's CSRF token", async () => {
    const browser = new FormBrowser(server.issuer);
    await browser.request("/login");
    const { status, json } = await ceremonyOptions(browser, "sign-in", { csrf: "forged" });
    expect(status).toBe(403);
    expect(json.error).toBe("access_denied");
    const unknown = await ceremonyOptions(browser, "constructor", {});
    expect(unknown.status).toBe(400);
  });
});
