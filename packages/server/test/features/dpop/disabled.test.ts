import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, getJson } from "../../helpers/http.js";
import { decodePayload, introspect } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { createDpopProof, generateDpopKey, rawRequest, thumbprint, tokenRequest } from "./helpers.js";

describe("DPoP switched off (features.dpop.enabled=false)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { dpop: { enabled: false } } });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("discovery no longer advertises it, and a proof at the token endpoint binds nothing", async () => {
    const { json } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
    expect(json).not.toHaveProperty("dpop_signing_alg_values_supported");
    const client = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const proof = await createDpopProof(await generateDpopKey(), {
      method: "POST",
      url: `${server.issuer}/token`,
    });
    const answer = await tokenRequest(server.issuer, { grant_type: "client_credentials" }, proof, {
      authorization: basic(client.id, client.secret),
    });
    expect(answer.json?.token_type).toBe("Bearer");
    expect(decodePayload(String(answer.json?.access_token)).cnf).toBeUndefined();
  });

  it("resources offer Bearer only, and a token bound earlier is still never taken as Bearer", async () => {
    const none = await rawRequest(`${server.issuer}/userinfo`, {});
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="frontdesk"');
    const { user } = await makeUser(server.ctx);
    const earlier = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const key = await generateDpopKey();
    // Issued while DPoP was on (here: straight from the token service), presented after it was switched off.
    const { token } = await server.ctx.accessTokens.issue({
      sub: user.id,
      clientId: earlier.id,
      audience: server.ctx.config.resources[0] as string,
      scopes: ["openid"],
      ttl: 60,
      extra: { cnf: { jkt: await thumbprint(key) } },
    });
    const asBearer = await rawRequest(`${server.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect([asBearer.status, asBearer.json?.error]).toEqual([401, "invalid_token"]);
    const asDpop = await rawRequest(`${server.issuer}/userinfo`, {
      headers: { authorization: `DPoP ${token}` },
    });
    expect([asDpop.status, asDpop.json?.error]).toEqual([400, "invalid_request"]);
    expect(await introspect(server, earlier, token)).toMatchObject({
      active: true,
      token_type: "DPoP",
      cnf: { jkt: await thumbprint(key) },
    });
  });
});
