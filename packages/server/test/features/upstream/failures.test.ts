import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disableUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { alertText } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { addProvider } from "../../helpers/upstream.js";
import { startUpstreamOidc, type UpstreamOidc } from "../../helpers/upstream-oidc.js";
import { signInThrough, throughProvider, unique, usersWith } from "./helpers.js";

const distributed = process.env.FRONTDESK_TEST_DEPLOYMENT === "distributed";

describe("upstream sign-in failures: a clear page, a way on, nothing half-done", () => {
  let server: TestServer;
  let upstream: UpstreamOidc;

  beforeAll(async () => {
    upstream = await startUpstreamOidc();
    server = await startTestServer({ features: { upstream: { timeout: 1 } } });
    const { clientId, clientSecret } = upstream.client([`${server.issuer}/upstream/corp/callback`]);
    await addProvider(server, {
      id: "corp",
      name: "Corp ID",
      issuer: upstream.issuer,
      clientId,
      clientSecret,
      trustEmail: true,
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  failOnErrorLogs(() => server);

  function person() {
    const sub = unique("p");
    const email = `${sub}@corp.example`;
    upstream.accounts.set(sub, { sub, email, email_verified: true });
    return { sub, email };
  }

  /** Starts at the sign-in page, walks the provider, then lets the test change the callback before Frontdesk gets it. */
  async function callbackOf(sub: string, decision: "allow" | "cancel" = "allow") {
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    return {
      browser,
      callback: new URL(await throughProvider(browser, page, upstream, "Corp ID", sub, decision)),
    };
  }

  /** The failure page offers to try the provider again and another way to sign in. */
  function expectWaysOn(page: string) {
    expect(page).toContain('href="/upstream/corp/start');
    expect(page).toContain("Use another way to sign in");
    expect(page).not.toContain("stack");
  }

  function expectLogged(reason: string, providerError?: string) {
    if (distributed) return; // the processes log elsewhere
    const line = server.logLines().find((l) => l.msg === "upstream sign-in failed" && l.reason === reason);
    expect(line, `a warning with reason ${reason}`).toBeDefined();
    if (providerError) expect((line?.providerError as { error?: string })?.error).toBe(providerError);
  }

  it("the person cancels at the provider (access_denied): 403, told so, nothing created, the provider's error logged", async () => {
    server.clearLogs();
    const { sub, email } = person();
    const { browser, callback } = await callbackOf(sub, "cancel");
    expect(callback.searchParams.get("error")).toBe("access_denied");
    const { response } = await browser.follow(callback.href);
    expect(response.status).toBe(403);
    const page = await response.text();
    expect(alertText(page)).toMatch(/cancelled at Corp ID/);
    expectWaysOn(page);
    expect(await usersWith(server, email)).toEqual([]);
    expect(browser.cookie("frontdesk_session")).toBeUndefined();
    expectLogged("access_denied", "access_denied");
  });

  it("a changed state is refused before anything is exchanged", async () => {
    const { sub, email } = person();
    const { browser, callback } = await callbackOf(sub);
    callback.searchParams.set("state", `${callback.searchParams.get("state")}x`);
    const { response } = await browser.follow(callback.href);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/expired, was already used, or was started in another browser/);
    expect(await usersWith(server, email)).toEqual([]);
  });

  it("an iss that is not the provider's (RFC 9207 mix-up) is refused", async () => {
    server.clearLogs();
    const { sub, email } = person();
    const { browser, callback } = await callbackOf(sub);
    expect(callback.searchParams.get("iss")).toBe(upstream.issuer);
    callback.searchParams.set("iss", "https://evil.example");
    const { response } = await browser.follow(callback.href);
    expect(response.status).toBe(502);
    const page = await response.text();
    expect(alertText(page)).toMatch(/could not be verified/);
    expectWaysOn(page);
    expect(await usersWith(server, email)).toEqual([]);
    expectLogged("invalid_response");
  });

  /** The provider's token response is changed on its way out; the sign-in must be refused. */
  async function refusedWhenTampered(tamper: NonNullable<UpstreamOidc["tamper"]>) {
    const { sub, email } = person();
    upstream.tamper = tamper;
    try {
      const { browser, callback } = await callbackOf(sub);
      const { response } = await browser.follow(callback.href);
      expect(response.status).toBe(502);
      expect(alertText(await response.text())).toMatch(/could not be verified/);
    } finally {
      upstream.tamper = undefined;
    }
    expect(await usersWith(server, email)).toEqual([]);
  }

  it("an ID token with a broken signature is refused (signatures are checked, not only TLS trusted)", async () => {
    await refusedWhenTampered((body) => {
      const [h, p, s] = String(body.id_token).split(".") as [string, string, string];
      return { ...body, id_token: `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}` };
    });
  });

  it("a replayed ID token (valid, but issued for an earlier sign-in: another nonce) is refused", async () => {
    const earlier = person();
    await signInThrough(server, upstream, "Corp ID", earlier.sub);
    const replayed = upstream.tokenResponses.at(-1)?.id_token;
    expect(typeof replayed).toBe("string");
    await refusedWhenTampered((body) => ({ ...body, id_token: replayed }));
  });

  it("a provider slower than features.upstream.timeout: told it did not answer in time, nothing created", async () => {
    server.clearLogs();
    const { sub, email } = person();
    const { browser, callback } = await callbackOf(sub);
    upstream.tokenDelay = 3_000;
    try {
      const { response } = await browser.follow(callback.href);
      expect(response.status).toBe(502);
      const page = await response.text();
      expect(alertText(page)).toMatch(/could not be reached or did not answer in time/);
      expectWaysOn(page);
    } finally {
      upstream.tokenDelay = undefined;
    }
    expect(await usersWith(server, email)).toEqual([]);
    expectLogged("unavailable");
  });

  it("a provider that is down: told it could not be reached, nothing created", async () => {
    const down = await startUpstreamOidc();
    const { clientId, clientSecret } = down.client([`${server.issuer}/upstream/down/callback`]);
    await addProvider(server, { id: "down", name: "Down ID", issuer: down.issuer, clientId, clientSecret });
    const sub = unique("d");
    down.accounts.set(sub, { sub, email: `${sub}@down.example`, email_verified: true });
    const browser = new FormBrowser(server.issuer);
    const page = await (await browser.request("/login")).text();
    const callback = await throughProvider(browser, page, down, "Down ID", sub);
    await down.close();
    const { response } = await browser.follow(callback);
    expect(response.status).toBe(502);
    expect(alertText(await response.text())).toMatch(/Down ID could not be reached/);
    expect(await usersWith(server, `${sub}@down.example`)).toEqual([]);
  });

  it("a disabled local account: refused after the provider's sign-in, with no session", async () => {
    const { sub, email } = person();
    await signInThrough(server, upstream, "Corp ID", sub);
    const [user] = await usersWith(server, email);
    expect(user).toBeDefined();
    await disableUser(server.ctx, user as NonNullable<typeof user>);
    const again = await signInThrough(server, upstream, "Corp ID", sub);
    expect(again.response.status).toBe(403);
    expect(alertText(again.text)).toMatch(/This account is disabled/);
    expect(again.browser.cookie("frontdesk_session")).toBeUndefined();
  });
});
