import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, type HttpAnswer } from "../../helpers/http.js";
import type { TestUser } from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import {
  authorizationCode,
  badProofs,
  codeForm,
  createDpopProof,
  type DpopKey,
  dpopClient,
  dpopResourceRequest,
  generateDpopKey,
  handMadeProof,
  rawRequest,
  tokenRequest,
} from "./helpers.js";

const ALGS = 'algs="ES256 EdDSA Ed25519 RS256 PS256"';

/** The scheme and error of a `WWW-Authenticate` answer, and whether it offers the algorithms. */
function challenge(answer: HttpAnswer) {
  const header = answer.headers.get("www-authenticate") ?? "";
  return {
    status: answer.status,
    scheme: header.split(" ", 1)[0],
    error: /error="([a-z_]+)"/.exec(header)?.[1],
    algs: header.includes(ALGS),
  };
}

/** A user's access token from the code flow, bound to `key` (or Bearer without one). */
async function userToken(server: TestServer, person: TestUser, key?: DpopKey): Promise<string> {
  const rp = await dpopClient(server);
  const { code, verifier } = await authorizationCode(server, rp, person);
  const url = `${server.issuer}/token`;
  const proof = key ? await createDpopProof(key, { method: "POST", url }) : undefined;
  const answer = await tokenRequest(server.issuer, codeForm(rp, code, verifier), proof);
  if (answer.status !== 200) throw new Error(`token request failed: ${answer.text}`);
  return String(answer.json?.access_token);
}

describe("DPoP at the server's own resources: userinfo and the admin API (RFC 9449 7)", () => {
  let server: TestServer;
  let person: TestUser;
  let userinfo: string;
  beforeAll(async () => {
    server = await startTestServer();
    person = await makeUser(server.ctx);
    userinfo = `${server.issuer}/userinfo`;
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("userinfo accepts a bound token with Authorization: DPoP and a proof with ath, by GET and POST", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person, key);
    for (const method of ["GET", "POST"]) {
      const proof = await createDpopProof(key, { method, url: userinfo, accessToken: token });
      const answer = await dpopResourceRequest(userinfo, token, proof, method);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json?.sub).toBe(person.user.id);
      expect(answer.headers.get("dpop-nonce")).toBeNull();
    }
  });

  it("userinfo still takes Bearer tokens", async () => {
    const token = await userToken(server, person);
    const answer = await rawRequest(userinfo, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status, answer.text).toBe(200);
  });

  it("a bound token presented as Bearer: 401 invalid_token with a DPoP challenge (no downgrade)", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person, key);
    const proof = await createDpopProof(key, { method: "GET", url: userinfo, accessToken: token });
    const answer = await rawRequest(userinfo, { headers: { authorization: `Bearer ${token}`, dpop: proof } });
    expect(challenge(answer)).toEqual({ status: 401, scheme: "DPoP", error: "invalid_token", algs: true });
    expect(answer.json?.error_description).toMatch(/is DPoP-bound/);
  });

  it("an unbound token with the DPoP scheme: 401 invalid_token with a DPoP challenge", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person);
    const proof = await createDpopProof(key, { method: "GET", url: userinfo, accessToken: token });
    const answer = await dpopResourceRequest(userinfo, token, proof);
    expect(challenge(answer)).toEqual({ status: 401, scheme: "DPoP", error: "invalid_token", algs: true });
    expect(answer.json?.error_description).toMatch(/not DPoP-bound/);
  });

  it("no credentials: 401 offering both schemes", async () => {
    const answer = await rawRequest(userinfo, {});
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toBe(`Bearer realm="frontdesk", DPoP ${ALGS}`);
  });

  it("each wrong proof is 401 invalid_dpop_proof with a DPoP challenge; the token then still works", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person, key);
    const target = { method: "GET", url: userinfo, accessToken: token };
    const cases = {
      ...(await badProofs(key, target)),
      "a proof by another key": [await createDpopProof(await generateDpopKey(), target), /another key/] as [
        string,
        RegExp,
      ],
      "no ath": [await createDpopProof(key, { method: "GET", url: userinfo }), /ath/] as [string, RegExp],
      "the ath of another token": [
        await createDpopProof(key, { ...target, accessToken: `${token}x` }),
        /ath/,
      ] as [string, RegExp],
      "no proof": [undefined, /required/] as [undefined, RegExp],
    };
    for (const [why, [proof, reason]] of Object.entries(cases)) {
      const answer = await dpopResourceRequest(userinfo, token, proof);
      expect(challenge(answer), why).toEqual({
        status: 401,
        scheme: "DPoP",
        error: "invalid_dpop_proof",
        algs: true,
      });
      expect(answer.json?.error_description, why).toMatch(reason);
    }
    const good = await dpopResourceRequest(userinfo, token, await createDpopProof(key, target));
    expect(good.status, good.text).toBe(200);
  });

  it("a replayed proof is refused, at whichever instance it is replayed", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person, key);
    const proof = await createDpopProof(key, { method: "GET", url: userinfo, accessToken: token });
    const [first, second] = server.instanceUrls ?? [server.issuer, server.issuer];
    const accepted = await dpopResourceRequest(`${first}/userinfo`, token, proof);
    expect(accepted.status, accepted.text).toBe(200);
    const replayed = await dpopResourceRequest(`${second}/userinfo`, token, proof);
    expect(challenge(replayed)).toEqual({
      status: 401,
      scheme: "DPoP",
      error: "invalid_dpop_proof",
      algs: true,
    });
    expect(replayed.json?.error_description).toMatch(/already used/);
  });

  it("a proof refused for its signature does not use up its jti at a resource either", async () => {
    const key = await generateDpopKey();
    const token = await userToken(server, person, key);
    const target = { method: "GET", url: userinfo, accessToken: token };
    const claims = { jti: "resource-jti-1" };
    const forged = await handMadeProof(key, target, { claims, signer: (await generateDpopKey()).privateKey });
    expect(challenge(await dpopResourceRequest(userinfo, token, forged)).error).toBe("invalid_dpop_proof");
    const good = await dpopResourceRequest(userinfo, token, await handMadeProof(key, target, { claims }));
    expect(good.status, good.text).toBe(200);
  });

  it("the admin API takes a DPoP-bound admin token with its proof, and refuses it as Bearer", async () => {
    const client = await server.client({ scopes: "frontdesk:admin" });
    const key = await generateDpopKey();
    const tokenProof = await createDpopProof(key, { method: "POST", url: `${server.issuer}/token` });
    const issued = await tokenRequest(
      server.issuer,
      { grant_type: "client_credentials", resource: `${server.issuer}/admin/api` },
      tokenProof,
      { authorization: basic(client.id, client.secret) },
    );
    const token = String(issued.json?.access_token);
    const users = `${server.issuer}/admin/api/users`;
    const proof = await createDpopProof(key, {
      method: "GET",
      url: `${users}?ignored=query`,
      accessToken: token,
    });
    const listed = await dpopResourceRequest(`${users}?ignored=query`, token, proof);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json?.users).toBeInstanceOf(Array);
    const asBearer = await rawRequest(users, { headers: { authorization: `Bearer ${token}` } });
    expect(challenge(asBearer)).toEqual({ status: 401, scheme: "DPoP", error: "invalid_token", algs: true });
    const reports = await server.client({ scopes: "frontdesk:admin reports:read" });
    const narrow = await tokenRequest(
      server.issuer,
      { grant_type: "client_credentials", resource: `${server.issuer}/admin/api`, scope: "reports:read" },
      await createDpopProof(key, { method: "POST", url: `${server.issuer}/token` }),
      { authorization: basic(reports.id, reports.secret) },
    );
    const narrowToken = String(narrow.json?.access_token);
    const noScope = await dpopResourceRequest(
      users,
      narrowToken,
      await createDpopProof(key, { method: "GET", url: users, accessToken: narrowToken }),
    );
    expect(challenge(noScope)).toEqual({
      status: 403,
      scheme: "DPoP",
      error: "insufficient_scope",
      algs: true,
    });
    const wrongPath = await createDpopProof(key, {
      method: "GET",
      url: `${server.issuer}/admin/api/clients`,
      accessToken: token,
    });
    expect(challenge(await dpopResourceRequest(users, token, wrongPath)).error).toBe("invalid_dpop_proof");
  });
});

describe("DPoP nonces required at the resources", () => {
  let server: TestServer;
  let person: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ features: { dpop: { nonce: "required" } } });
    person = await makeUser(server.ctx);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("a proof without the nonce: 401 DPoP error=use_dpop_nonce with a DPoP-Nonce; with it, 200 and a fresh nonce", async () => {
    const key = await generateDpopKey();
    const rp = await dpopClient(server);
    const { code, verifier } = await authorizationCode(server, rp, person);
    const tokenUrl = `${server.issuer}/token`;
    const form = codeForm(rp, code, verifier);
    const first = await tokenRequest(
      server.issuer,
      form,
      await createDpopProof(key, { method: "POST", url: tokenUrl }),
    );
    const nonce = first.headers.get("dpop-nonce") as string;
    const issued = await tokenRequest(
      server.issuer,
      form,
      await createDpopProof(key, { method: "POST", url: tokenUrl, nonce }),
    );
    const token = String(issued.json?.access_token);
    const userinfo = `${server.issuer}/userinfo`;
    const asked = await dpopResourceRequest(
      userinfo,
      token,
      await createDpopProof(key, { method: "GET", url: userinfo, accessToken: token }),
    );
    expect(challenge(asked)).toEqual({ status: 401, scheme: "DPoP", error: "use_dpop_nonce", algs: true });
    const fresh = asked.headers.get("dpop-nonce") as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const proof = await createDpopProof(key, {
      method: "GET",
      url: userinfo,
      accessToken: token,
      nonce: fresh,
    });
    const answer = await dpopResourceRequest(userinfo, token, proof);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get("dpop-nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
