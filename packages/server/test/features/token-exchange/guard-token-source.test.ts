import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientCredentialsTokenSource,
  createVerifier,
  TokenRequestError,
  type Verifier,
} from "../../../../guard/src/index.js";
import { revokeUser } from "../../../src/users/users.js";
import type { RelyingParty } from "../../helpers/oidc.js";
import { failOnErrorLogs, type TestServer } from "../../helpers/server.js";
import { BILLING, exchanger, exchangeServer, personToken, webApp } from "./helpers.js";

describe("the guard's token source exchanges a person's token with a real Frontdesk", () => {
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

  /** The orders service's token source, counting its token requests. */
  async function ordersSource() {
    const client = await exchanger(server, [BILLING]);
    const requests: string[] = [];
    const tokens = clientCredentialsTokenSource({
      issuer: server.issuer,
      clientId: client.id,
      clientSecret: client.secret,
      fetch: (input, init) => {
        if (String(input).endsWith("/token"))
          requests.push(new URLSearchParams(String(init?.body)).get("grant_type") ?? "");
        return fetch(input, init);
      },
    });
    return { client, tokens, requests };
  }

  it("exchange(subjectToken, { audience, scope }) returns a token billing accepts, cached per subject, audience and scope", async () => {
    const { client, tokens, requests } = await ordersSource();
    const subject = await personToken(server, app);
    const token = await tokens.exchange(subject.token, { audience: BILLING, scope: "orders:read" });
    const claims = await billing.verify(token, { scopes: ["orders:read"] });
    expect(claims).toMatchObject({ sub: subject.person.user.id, client_id: client.id, scope: "orders:read" });
    expect(await tokens.exchange(subject.token, { audience: BILLING, scope: "orders:read" })).toBe(token);
    expect(requests).toHaveLength(1);
    const wider = await tokens.exchange(subject.token, { audience: BILLING });
    expect(wider).not.toBe(token);
    expect((await billing.verify(wider)).scope).toBe(subject.claims.scope);
    expect(requests).toHaveLength(2);
  });

  it("with actor: true, the token's act names the service", async () => {
    const { client, tokens, requests } = await ordersSource();
    const subject = await personToken(server, app);
    const token = await tokens.exchange(subject.token, { audience: BILLING, actor: true });
    expect((await billing.verify(token)).act).toEqual({ sub: client.id });
    expect(requests).toEqual(["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"]);
  });

  it("a revoked person's token, or a scope wider than theirs, is a TokenRequestError with the server's error", async () => {
    const { tokens } = await ordersSource();
    const subject = await personToken(server, app);
    await expect(
      tokens.exchange(subject.token, { audience: BILLING, scope: "billing:read" }),
    ).rejects.toMatchObject({
      error: "invalid_scope",
      status: 400,
    });
    await revokeUser(server.ctx, subject.person.user);
    const refused = await tokens.exchange(subject.token, { audience: BILLING }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenRequestError);
    expect(refused).toMatchObject({ error: "invalid_grant", status: 400 });
  });
});
