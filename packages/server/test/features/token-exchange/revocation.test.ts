import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, httpRevocationFeed, type Verifier } from "../../../../guard/src/index.js";
import { clientCredentialsToken } from "../../helpers/http.js";
import type { RelyingParty } from "../../helpers/oidc.js";
import { msUntilRefused } from "../../helpers/revocation.js";
import { failOnErrorLogs, type TestServer } from "../../helpers/server.js";
import {
  BILLING,
  exchange,
  exchanger,
  exchangeServer,
  isActive,
  personToken,
  STOCK,
  webApp,
} from "./helpers.js";

describe("revoking the person or ending their session revokes every token exchanged from theirs, at the server and in guards", () => {
  let server: TestServer;
  let app: RelyingParty;
  let orders: { id: string; secret: string };
  let billingService: { id: string; secret: string };
  let feed: ReturnType<typeof httpRevocationFeed>;
  let billing: Verifier;
  let stock: Verifier;
  beforeAll(async () => {
    server = await exchangeServer();
    app = await webApp(server);
    orders = await exchanger(server, [BILLING]);
    billingService = await exchanger(server, [STOCK], { name: "billing service" });
    const feedClient = await server.client({ scopes: "revocation_feed" });
    feed = httpRevocationFeed({
      issuer: server.issuer,
      clientId: feedClient.id,
      clientSecret: feedClient.secret,
      wait: 20,
    });
    billing = createVerifier({ issuer: server.issuer, audience: BILLING, revocations: feed });
    stock = createVerifier({ issuer: server.issuer, audience: STOCK, revocations: feed });
    await feed.ready;
  });
  afterAll(async () => {
    await feed?.close();
    await server.close();
  });
  failOnErrorLogs(() => server);

  /** A person's token exchanged by orders for billing, and that one by billing for stock (two hops). */
  async function exchangedTokens() {
    const subject = await personToken(server, app);
    const first = await exchange(server, orders, { subject_token: subject.token });
    expect(first.status, first.text).toBe(200);
    const toBilling = String(first.json?.access_token);
    const second = await exchange(server, billingService, { subject_token: toBilling });
    expect(second.status, second.text).toBe(200);
    const toStock = String(second.json?.access_token);
    await billing.verify(toBilling);
    await stock.verify(toStock);
    expect(await isActive(server, orders, toBilling)).toBe(true);
    return { subject, toBilling, toStock };
  }

  it("an administrator revokes the person (admin API): introspection says inactive and guards refuse within a second", async () => {
    const revoked = await exchangedTokens();
    const bystander = await exchangedTokens();
    const ops = await server.client({ scopes: "frontdesk:admin" });
    const admin = await clientCredentialsToken(server, ops, { resource: `${server.issuer}/admin/api` });
    const answer = await fetch(`${server.issuer}/admin/api/users/${revoked.subject.person.user.id}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(answer.status).toBe(200);

    expect(await msUntilRefused(billing, revoked.toBilling)).toBeLessThan(1000);
    expect(await msUntilRefused(stock, revoked.toStock)).toBeLessThan(1000);
    for (const token of [revoked.subject.token, revoked.toBilling, revoked.toStock])
      expect(await isActive(server, orders, token)).toBe(false);
    // Someone else's exchanged tokens are untouched.
    await billing.verify(bystander.toBilling);
    await stock.verify(bystander.toStock);
    expect(await isActive(server, orders, bystander.toBilling)).toBe(true);
  });

  it("the person signs out: the session's sid revokes the exchanged tokens too", async () => {
    const signedOut = await exchangedTokens();
    const account = await signedOut.subject.browser.follow("/account");
    await signedOut.subject.browser.submit(
      await account.response.text(),
      {},
      { action: "/account/sign-out" },
    );

    expect(await msUntilRefused(billing, signedOut.toBilling)).toBeLessThan(1000);
    expect(await msUntilRefused(stock, signedOut.toStock)).toBeLessThan(1000);
    expect(await isActive(server, orders, signedOut.toBilling)).toBe(false);
    expect(await isActive(server, orders, signedOut.toStock)).toBe(false);
    // And no new exchange from the ended session's token.
    const again = await exchange(server, orders, { subject_token: signedOut.subject.token });
    expect(again.json?.error).toBe("invalid_grant");
  });
});
