import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, type HttpAnswer } from "../../helpers/http.js";
import { decodePayload, type RelyingParty, type TestUser } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import {
  authorizationCode,
  badProofs,
  codeForm,
  createDpopProof,
  type DpopKey,
  dpopClient,
  generateDpopKey,
  handMadeProof,
  thumbprint,
  tokenRequest,
  unsignedProof,
} from "./helpers.js";

describe("DPoP at the token endpoint: refusals change nothing (RFC 9449 4.3, 5)", () => {
  let server: TestServer;
  let person: TestUser;
  let rp: RelyingParty;
  let tokenUrl: string;
  beforeAll(async () => {
    server = await startTestServer();
    person = await makeUser(server.ctx);
    rp = await dpopClient(server);
    tokenUrl = `${server.issuer}/token`;
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  const tokenProof = (key: DpopKey) => createDpopProof(key, { method: "POST", url: tokenUrl });

  /** The answer issued DPoP-bound tokens, bound to `key`. */
  async function expectBoundTo(answer: HttpAnswer, key: DpopKey): Promise<void> {
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.token_type).toBe("DPoP");
    expect(decodePayload(String(answer.json?.access_token)).cnf).toEqual({ jkt: await thumbprint(key) });
  }

  it("each bad proof is invalid_dpop_proof with no token, and the code still works afterwards", async () => {
    const key = await generateDpopKey();
    const { code, verifier } = await authorizationCode(server, rp, person);
    const form = codeForm(rp, code, verifier);
    for (const [why, [proof, reason]] of Object.entries(
      await badProofs(key, { method: "POST", url: tokenUrl }),
    )) {
      const answer = await tokenRequest(server.issuer, form, proof);
      expect([answer.status, answer.json?.error], why).toEqual([400, "invalid_dpop_proof"]);
      expect(answer.json?.error_description, why).toMatch(reason);
      expect(answer.json, why).not.toHaveProperty("access_token");
    }
    await expectBoundTo(await tokenRequest(server.issuer, form, await tokenProof(key)), key);
  });

  it("htu comes from the configured issuer, not from Host or X-Forwarded-Host", async () => {
    const key = await generateDpopKey();
    const form = { grant_type: "refresh_token", refresh_token: "unknown", client_id: rp.id };
    const spoofing = {
      host: "evil.example",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
    };
    const forHost = await createDpopProof(key, { method: "POST", url: "https://evil.example/token" });
    const refused = await tokenRequest(server.issuer, form, forHost, spoofing);
    expect([refused.status, refused.json?.error]).toEqual([400, "invalid_dpop_proof"]);
    // The proof naming the issuer passes whatever the headers say (the grant then fails on its own).
    const passed = await tokenRequest(server.issuer, form, await tokenProof(key), spoofing);
    expect([passed.status, passed.json?.error]).toEqual([400, "invalid_grant"]);
  });

  it("a proof used once is refused again, at whichever instance it is replayed", async () => {
    const client = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const auth = { authorization: basic(client.id, client.secret) };
    const key = await generateDpopKey();
    const proof = await tokenProof(key);
    // Distributed: straight to each instance (the proof names the issuer, the balancer's URL).
    const [first, second] = server.instanceUrls ?? [server.issuer, server.issuer];
    const accepted = await tokenRequest(first as string, { grant_type: "client_credentials" }, proof, auth);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.json?.token_type).toBe("DPoP");
    const replayed = await tokenRequest(second as string, { grant_type: "client_credentials" }, proof, auth);
    expect([replayed.status, replayed.json?.error]).toEqual([400, "invalid_dpop_proof"]);
    expect(replayed.json?.error_description).toMatch(/already used/);
    expect(replayed.json).not.toHaveProperty("access_token");
  });

  it("a refused proof does not use up its jti: after a forged and a mismatched proof with jti X, a good one with jti X works", async () => {
    const client = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const auth = { authorization: basic(client.id, client.secret) };
    const form = { grant_type: "client_credentials" };
    const key = await generateDpopKey();
    const jti = randomUUID();
    const post = { method: "POST", url: tokenUrl };
    const forged = await handMadeProof(key, post, {
      claims: { jti },
      signer: (await generateDpopKey()).privateKey,
    });
    const unsigned = unsignedProof(key, post, jti);
    const wrongHtu = await handMadeProof(key, { ...post, url: `${server.issuer}/par` }, { claims: { jti } });
    for (const refused of [forged, unsigned, wrongHtu])
      expect((await tokenRequest(server.issuer, form, refused, auth)).json?.error).toBe("invalid_dpop_proof");
    const good = await tokenRequest(
      server.issuer,
      form,
      await handMadeProof(key, post, { claims: { jti } }),
      auth,
    );
    expect(good.status, good.text).toBe(200);
  });

  it("accepts a proof with an ath at the token endpoint (ignored there)", async () => {
    const client = await server.client({ grantTypes: ["client_credentials"], scopes: "read" });
    const key = await generateDpopKey();
    const proof = await createDpopProof(key, { method: "POST", url: tokenUrl, accessToken: "anything" });
    const answer = await tokenRequest(server.issuer, { grant_type: "client_credentials" }, proof, {
      authorization: basic(client.id, client.secret),
    });
    await expectBoundTo(answer, key);
  });

  it("a client registered with dpop_bound_access_tokens must send a proof: invalid_request, the code still usable", async () => {
    const bound = await dpopClient(server, { metadata: { dpopBoundAccessTokens: true } });
    const { code, verifier } = await authorizationCode(server, bound, person);
    const form = codeForm(bound, code, verifier);
    const refused = await tokenRequest(server.issuer, form);
    expect([refused.status, refused.json?.error]).toEqual([400, "invalid_request"]);
    expect(refused.json?.error_description).toMatch(/must use DPoP/);
    const key = await generateDpopKey();
    await expectBoundTo(await tokenRequest(server.issuer, form, await tokenProof(key)), key);
  });

  it("dpop_jkt binds the code: without a proof, or with another key, invalid_grant; with the key, tokens", async () => {
    const key = await generateDpopKey();
    for (const presented of [undefined, await tokenProof(await generateDpopKey())]) {
      const { code, verifier } = await authorizationCode(server, rp, person, {
        dpop_jkt: await thumbprint(key),
      });
      const answer = await tokenRequest(server.issuer, codeForm(rp, code, verifier), presented);
      expect([answer.status, answer.json?.error]).toEqual([400, "invalid_grant"]);
      expect(answer.json?.error_description).toMatch(/bound to another DPoP key/);
    }
    const { code, verifier } = await authorizationCode(server, rp, person, {
      dpop_jkt: await thumbprint(key),
    });
    await expectBoundTo(
      await tokenRequest(server.issuer, codeForm(rp, code, verifier), await tokenProof(key)),
      key,
    );
  });

  it("a public client's refresh token needs its key: no proof or another key is invalid_grant and changes nothing", async () => {
    const key = await generateDpopKey();
    const { code, verifier } = await authorizationCode(server, rp, person);
    const issued = await tokenRequest(server.issuer, codeForm(rp, code, verifier), await tokenProof(key));
    const refreshToken = String(issued.json?.refresh_token);
    const form = { grant_type: "refresh_token", refresh_token: refreshToken, client_id: rp.id };
    for (const presented of [undefined, await tokenProof(await generateDpopKey())]) {
      const refused = await tokenRequest(server.issuer, form, presented);
      expect([refused.status, refused.json?.error]).toEqual([400, "invalid_grant"]);
      expect(refused.json).not.toHaveProperty("access_token");
    }
    // Not revoked as reuse either: the holder of the key refreshes as if nothing happened.
    await expectBoundTo(await tokenRequest(server.issuer, form, await tokenProof(key)), key);
  });
});
