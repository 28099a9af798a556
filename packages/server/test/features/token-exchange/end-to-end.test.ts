import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../../../../guard/src/index.js";
import { createUser } from "../../../src/users/users.js";
import type { RelyingParty } from "../../helpers/oidc.js";
import { decodePayload, introspect } from "../../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../../helpers/server.js";
import { gatewayToken, signIn } from "../../helpers/sign-in.js";
import {
  ACCESS_TOKEN_TYPE,
  BILLING,
  exchange,
  exchanger,
  exchangeServer,
  ORDERS,
  personToken,
  STOCK,
  TOKEN_EXCHANGE_GRANT,
  webApp,
} from "./helpers.js";

const now = () => Math.floor(Date.now() / 1000);

describe("token exchange end to end with openid-client (RFC 8693)", () => {
  let server: TestServer;
  let app: RelyingParty;
  let billing: Verifier;
  beforeAll(async () => {
    server = await exchangeServer();
    app = await webApp(server);
    billing = createVerifier({ issuer: server.issuer, audience: BILLING });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const discover = (client: { id: string; secret: string }) =>
    oidc.discovery(new URL(server.issuer), client.id, client.secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });

  it("is advertised in grant_types_supported", async () => {
    const config = await discover(await exchanger(server));
    expect(config.serverMetadata().grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it("a service trades a person's token for one to billing: the person as sub, the service as client_id, no wider, no longer", async () => {
    const subject = await personToken(server, app);
    const service = await exchanger(server);
    const tokens = await oidc.genericGrantRequest(await discover(service), TOKEN_EXCHANGE_GRANT, {
      subject_token: subject.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience: BILLING,
      scope: "orders:read",
    });
    expect(tokens.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.scope).toBe("orders:read");
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();

    const claims = await billing.verify(tokens.access_token, { scopes: ["orders:read"] });
    expect(claims).toMatchObject({
      iss: server.issuer,
      sub: subject.person.user.id,
      client_id: service.id,
      aud: BILLING,
      scope: "orders:read",
      sid: subject.sid,
      auth_time: subject.claims.auth_time,
      amr: subject.claims.amr,
    });
    expect(claims.act).toBeUndefined();
    expect(claims.jti).not.toBe(subject.claims.jti);
    // The subject token was issued first with the same lifetime: it bounds the new one.
    expect(claims.exp).toBe(subject.claims.exp);
    expect(tokens.expires_in).toBeLessThanOrEqual((subject.claims.exp as number) - now() + 1);
    // The subject token keeps working: an exchange spends nothing.
    expect((await introspect(server, service, subject.token)).active).toBe(true);
  });

  it("without audience or resource, the client's one allowed audience; resource works like audience", async () => {
    const subject = await personToken(server, app);
    const onlyBilling = await exchanger(server, [BILLING]);
    const implicit = await exchange(server, onlyBilling, { subject_token: subject.token });
    expect(implicit.status, implicit.text).toBe(200);
    expect(decodePayload(String(implicit.json?.access_token)).aud).toBe(BILLING);
    expect(implicit.json?.scope).toBe(subject.claims.scope);

    const two = await exchanger(server, [BILLING, STOCK]);
    for (const form of [{ resource: STOCK }, { audience: STOCK, resource: STOCK }]) {
      const answer = await exchange(server, two, { subject_token: subject.token, ...form });
      expect(answer.status, answer.text).toBe(200);
      expect(decodePayload(String(answer.json?.access_token)).aud).toBe(STOCK);
    }
  });

  it("with an actor token: act names the service; a second hop nests the first actor inside (RFC 8693 4.1)", async () => {
    const subject = await personToken(server, app);
    const orders = await exchanger(server, [BILLING]);
    const billingService = await exchanger(server, [STOCK], { name: "billing service" });
    const ordersConfig = await discover(orders);
    const ordersOwn = await oidc.clientCredentialsGrant(ordersConfig, { resource: ORDERS });
    const first = await oidc.genericGrantRequest(ordersConfig, TOKEN_EXCHANGE_GRANT, {
      subject_token: subject.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: ordersOwn.access_token,
      actor_token_type: ACCESS_TOKEN_TYPE,
      audience: BILLING,
    });
    const firstClaims = await billing.verify(first.access_token);
    expect(firstClaims.act).toEqual({ sub: orders.id });
    expect(firstClaims.sub).toBe(subject.person.user.id);

    // Billing calls stock on the person's behalf, presenting its own token as actor.
    const billingConfig = await discover(billingService);
    const billingOwn = await oidc.clientCredentialsGrant(billingConfig, { resource: ORDERS });
    const second = await oidc.genericGrantRequest(billingConfig, TOKEN_EXCHANGE_GRANT, {
      subject_token: first.access_token,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      actor_token: billingOwn.access_token,
      actor_token_type: "urn:ietf:params:oauth:token-type:jwt",
      audience: STOCK,
    });
    const stock = createVerifier({ issuer: server.issuer, audience: STOCK });
    const secondClaims = await stock.verify(second.access_token);
    expect(secondClaims).toMatchObject({
      sub: subject.person.user.id,
      client_id: billingService.id,
      sid: subject.sid,
      act: { sub: billingService.id, act: { sub: orders.id } },
    });
    // Introspection shows the chain too.
    const seen = await introspect(server, billingService, second.access_token);
    expect(seen).toMatchObject({ active: true, act: { sub: billingService.id, act: { sub: orders.id } } });

    // Without an actor token the subject's act is carried as it is.
    const carried = await exchange(server, billingService, { subject_token: first.access_token });
    expect(carried.status, carried.text).toBe(200);
    expect(decodePayload(String(carried.json?.access_token)).act).toEqual({ sub: orders.id });
  });

  it("lives at most the normal access-token lifetime, and never beyond the subject token's exp", async () => {
    const subject = await personToken(server, app);
    const service = await exchanger(server);
    const mint = (ttl: number) =>
      server.ctx.accessTokens.issue({
        sub: subject.person.user.id,
        clientId: app.id,
        audience: ORDERS,
        scopes: ["orders:read"],
        ttl,
        extra: { sid: subject.sid, auth_time: subject.claims.auth_time as number, acr: "urn:test:acr" },
      });
    const shortLived = await mint(20);
    const short = await exchange(server, service, { subject_token: shortLived.token });
    expect(short.status, short.text).toBe(200);
    expect(decodePayload(String(short.json?.access_token))).toMatchObject({
      exp: shortLived.claims.exp,
      acr: "urn:test:acr",
    });
    expect(short.json?.expires_in).toBeLessThanOrEqual(20);

    const longLived = await mint(3600);
    const capped = await exchange(server, service, { subject_token: longLived.token });
    const claims = decodePayload(String(capped.json?.access_token));
    expect((claims.exp as number) - (claims.iat as number)).toBe(server.ctx.config.accessTokenTtl);
    expect(capped.json?.expires_in).toBeLessThanOrEqual(server.ctx.config.accessTokenTtl);
    expect(claims.exp as number).toBeLessThan(longLived.claims.exp);
  });

  it("a service behind the gateway exchanges the forward-auth token it got: sid, tenant and roles carried", async () => {
    const username = `tenant${Date.now()}`;
    const user = await createUser(server.ctx, {
      username,
      password: "correct horse battery",
      tenant: "acme",
      roles: ["buyer"],
    });
    const browser = await signIn(server.issuer, username, "correct horse battery");
    const internal = await gatewayToken(browser);
    const service = await exchanger(server);
    const answer = await exchange(server, service, { subject_token: internal });
    expect(answer.status, answer.text).toBe(200);
    const claims = await billing.verify(String(answer.json?.access_token));
    expect(claims).toMatchObject({
      sub: user.id,
      client_id: service.id,
      sid: decodePayload(internal).sid,
      tenant: "acme",
      roles: ["buyer"],
    });
    // The gateway's token has no scope, so neither has this one.
    expect(claims.scope).toBeUndefined();
  });
});
