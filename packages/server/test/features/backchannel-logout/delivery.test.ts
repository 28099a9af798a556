import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import { codeFlow, decodePayload, type RelyingParty, relyingParty } from "../../helpers/oidc.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { type LogoutReceiver, startReceiver, verifyLogoutToken } from "./receiver.js";

async function signOutOnAccountPage(browser: FormBrowser): Promise<Response> {
  const account = await browser.follow("/account");
  const { response } = await browser.submit(
    await account.response.text(),
    {},
    { action: "/account/sign-out" },
  );
  return response;
}

describe("back-channel logout delivery: retried, never in the person's way", () => {
  let server: TestServer;
  let receiver: LogoutReceiver;
  let rp: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer({
      features: { backchannelLogout: { pollInterval: 50, retryBase: 50, timeout: 1500, lease: 3000 } },
    });
    receiver = await startReceiver();
    rp = await relyingParty(server, { metadata: { backchannelLogoutUri: receiver.uri } });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  async function signedIn() {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, browser, person);
    return { person, browser, sid: decodePayload(tokens.id_token as string).sid as string };
  }

  it("retries a receiver that fails (500, then 200) with the same jti, until it is delivered", async () => {
    const { person, browser, sid } = await signedIn();
    const start = receiver.received.length;
    receiver.behave((n) => (n - start <= 2 ? 500 : 200));
    await signOutOnAccountPage(browser);
    const [token] = (await receiver.delivered(1)).slice(-1);
    const attempts = receiver.received.slice(start);
    expect(attempts).toHaveLength(3);
    const jtis = new Set(attempts.map((t) => decodePayload(t).jti));
    expect(jtis.size).toBe(1);
    await verifyLogoutToken(token as string, {
      issuer: server.issuer,
      clientId: rp.id,
      sid,
      sub: person.user.id,
    });
  });

  it("a hanging receiver does not delay the person's sign-out; the token is retried after the timeout", async () => {
    const { browser } = await signedIn();
    const start = receiver.received.length;
    const accepted = (await receiver.delivered(0)).length;
    receiver.behave((n) => (n - start === 1 ? "hang" : 200));
    const response = await signOutOnAccountPage(browser);
    // The sign-out page arrived although the receiver has not answered.
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/signed out/i);
    expect(receiver.received.length - start).toBeLessThanOrEqual(1);
    await receiver.delivered(accepted + 1);
    expect(receiver.received.length - start).toBe(2);
  });

  it("a refused sign-out (wrong CSRF token) ends nothing and enqueues nothing", async () => {
    receiver.behave(() => 200);
    const { browser } = await signedIn();
    const before = receiver.received.length;
    const accepted = (await receiver.delivered(0)).length;
    const answer = await browser.request("/account/sign-out", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=wrong",
    });
    expect(answer.status).toBe(403);
    expect((await browser.request("/account")).status).toBe(200);
    // Another session's end proves the worker ran meanwhile; the refused one added nothing.
    const other = await signedIn();
    await signOutOnAccountPage(other.browser);
    await receiver.delivered(accepted + 1);
    expect(receiver.received.slice(before).map((t) => decodePayload(t).sid)).toEqual([other.sid]);
  });
});

describe("back-channel logout switched off (features.backchannelLogout.enabled=false)", () => {
  let server: TestServer;
  let receiver: LogoutReceiver;
  beforeAll(async () => {
    server = await startTestServer({ features: { backchannelLogout: { enabled: false } } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it("is not advertised and sends nothing when a session ends", async () => {
    const m = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(m).not.toHaveProperty("backchannel_logout_supported");
    expect(m).not.toHaveProperty("backchannel_logout_session_supported");
    const rp = await relyingParty(server, { metadata: { backchannelLogoutUri: receiver.uri } });
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    await codeFlow(rp, browser, person);
    expect((await signOutOnAccountPage(browser)).status).toBe(200);
    const { LogoutOutbox } = await import("../../../src/features/backchannel-logout/outbox.js");
    expect(await new LogoutOutbox(server.ctx.durable).list()).toEqual([]);
    expect(receiver.received).toEqual([]);
  });
});
