import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disableUser, revokeUser } from "../../../src/users/users.js";
import { FormBrowser } from "../../helpers/browser.js";
import { codeFlow, decodePayload, type RelyingParty, relyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { type LogoutReceiver, startReceiver, verifyLogoutToken } from "./receiver.js";

const FAST = { pollInterval: 50, retryBase: 50, timeout: 2000 };

describe("back-channel logout: every way a session ends tells the relying parties that got tokens in it", () => {
  let server: TestServer;
  let receiver: LogoutReceiver;
  let otherReceiver: LogoutReceiver;
  let rp: RelyingParty;
  let es256Rp: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer({ features: { backchannelLogout: FAST } });
    receiver = await startReceiver();
    otherReceiver = await startReceiver();
    rp = await relyingParty(server, { metadata: { backchannelLogoutUri: receiver.uri } });
    es256Rp = await relyingParty(server, {
      metadata: { backchannelLogoutUri: otherReceiver.uri, idTokenSignedResponseAlg: "ES256" },
    });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    await otherReceiver.close();
  });
  failOnErrorLogs(() => server);

  /** A person signed in at `rp` through the code flow (openid-client): their browser, sid and user. */
  async function signedIn(at: RelyingParty = rp) {
    const person = await makeUser(server.ctx);
    const browser = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(at, browser, person);
    const idToken = tokens.id_token as string;
    const sid = decodePayload(idToken).sid as string;
    return { person, browser, sid, idToken };
  }

  it("advertises backchannel_logout_supported and backchannel_logout_session_supported", async () => {
    const m = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(m.backchannel_logout_supported).toBe(true);
    expect(m.backchannel_logout_session_supported).toBe(true);
  });

  it("RP-initiated logout: a logout token (RS256 by default) with the session's sid and the person's sub", async () => {
    const { person, browser, sid, idToken } = await signedIn();
    const before = receiver.received.length;
    const confirm = await browser.follow(
      `/logout?${new URLSearchParams({ id_token_hint: idToken, client_id: rp.id })}`,
    );
    await browser.submit(
      await confirm.response.text(),
      {},
      { button: { name: "decision", value: "logout" } },
    );
    const [token] = (await receiver.delivered(before + 1)).slice(before);
    await verifyLogoutToken(token as string, {
      issuer: server.issuer,
      clientId: rp.id,
      sid,
      sub: person.user.id,
    });
  });

  it("the account page's sign-out, signed with the client's id_token_signed_response_alg (ES256)", async () => {
    const { person, browser, sid } = await signedIn(es256Rp);
    const account = await browser.follow("/account");
    const before = otherReceiver.received.length;
    await browser.submit(await account.response.text(), {}, { action: "/account/sign-out" });
    const [token] = (await otherReceiver.delivered(before + 1)).slice(before);
    await verifyLogoutToken(token as string, {
      issuer: server.issuer,
      clientId: es256Rp.id,
      alg: "ES256",
      sid,
      sub: person.user.id,
    });
  });

  it("an administrator revoking the person (admin API): one token per session", async () => {
    const first = await signedIn();
    const second = new FormBrowser(server.issuer);
    const { tokens } = await codeFlow(rp, second, first.person);
    const secondSid = decodePayload(tokens.id_token as string).sid as string;
    const admin = await adminToken();
    const before = receiver.received.length;
    const answer = await fetch(`${server.url}/admin/api/users/${first.person.username}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(answer.status).toBe(200);
    const tokensSent = (await receiver.delivered(before + 2)).slice(before);
    const sids = [];
    for (const token of tokensSent)
      sids.push(
        (
          await verifyLogoutToken(token, {
            issuer: server.issuer,
            clientId: rp.id,
            sub: first.person.user.id,
          })
        ).sid,
      );
    expect(sids.sort()).toEqual([first.sid, secondSid].sort());
  });

  it("revoking or disabling the person from another process on the same stores (what the CLI does)", async () => {
    for (const act of [revokeUser, disableUser]) {
      const { person, sid } = await signedIn();
      const before = receiver.received.length;
      await act(server.ctx, person.user);
      const [token] = (await receiver.delivered(before + 1)).slice(before);
      await verifyLogoutToken(token as string, {
        issuer: server.issuer,
        clientId: rp.id,
        sid,
        sub: person.user.id,
      });
    }
  });

  it("tells only the clients that got tokens in that session", async () => {
    const { browser } = await signedIn(es256Rp);
    const account = await browser.follow("/account");
    const before = { rp: receiver.received.length, other: otherReceiver.received.length };
    await browser.submit(await account.response.text(), {}, { action: "/account/sign-out" });
    await otherReceiver.delivered(before.other + 1);
    expect(receiver.received.length).toBe(before.rp);
    expect(receiver.malformed).toEqual([]);
  });

  async function adminToken(): Promise<string> {
    const { id, secret } = await server.client({ scopes: "frontdesk:admin" });
    const issuer = new URL(server.issuer);
    const http = { [oauth.allowInsecureRequests]: true };
    const as = await oauth
      .discoveryRequest(issuer, http)
      .then((r) => oauth.processDiscoveryResponse(issuer, r));
    const client: oauth.Client = { client_id: id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(secret),
      new URLSearchParams({ resource: `${server.issuer}/admin/api` }),
      http,
    );
    return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
  }
});
