import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import type { HttpAnswer } from "../../helpers/http.js";
import {
  beginAuthorization,
  completeAuthorization,
  type RelyingParty,
  type TestUser,
} from "../../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";
import { authorizationParams } from "../pushed-authorization-requests/helpers.js";
import {
  codeForm,
  createDpopProof,
  type DpopKey,
  dpopClient,
  generateDpopKey,
  rawRequest,
  thumbprint,
  tokenRequest,
} from "./helpers.js";

/** A public client's push to /par, with a DPoP header when given. */
function pushRequest(
  server: TestServer,
  rp: RelyingParty,
  params: Record<string, string>,
  dpop?: string,
): Promise<HttpAnswer> {
  return rawRequest(`${server.issuer}/par`, {
    form: { client_id: rp.id, ...params },
    headers: dpop === undefined ? {} : { dpop },
  });
}

/** A proof for a push to /par. */
function parProof(server: TestServer, key: DpopKey, nonce?: string): Promise<string> {
  return createDpopProof(key, { method: "POST", url: `${server.issuer}/par`, ...(nonce ? { nonce } : {}) });
}

describe("DPoP on the authorization request: dpop_jkt and pushed requests (RFC 9449 10)", () => {
  let server: TestServer;
  let person: TestUser;
  let rp: RelyingParty;
  beforeAll(async () => {
    server = await startTestServer();
    person = await makeUser(server.ctx);
    rp = await dpopClient(server);
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  /** Signs in through a pushed request; the code and its verifier. */
  async function codeFromPush(params: Record<string, string>, verifier: string, dpop?: string) {
    const pushed = await pushRequest(server, rp, params, dpop);
    expect(pushed.status, pushed.text).toBe(201);
    const browser = new FormBrowser(server.issuer);
    const query = new URLSearchParams({ client_id: rp.id, request_uri: String(pushed.json?.request_uri) });
    const start = await browser.follow(`/authorize?${query}`);
    const { callback } = await completeAuthorization(browser, start, person);
    return { code: callback.searchParams.get("code") as string, verifier };
  }

  /** Redeems a code with a proof by `key` (none when undefined): the answer's status and error. */
  async function redeem(code: { code: string; verifier: string }, key?: DpopKey) {
    const url = `${server.issuer}/token`;
    const proof = key ? await createDpopProof(key, { method: "POST", url }) : undefined;
    const answer = await tokenRequest(server.issuer, codeForm(rp, code.code, code.verifier), proof);
    return [answer.status, answer.json?.error ?? answer.json?.token_type];
  }

  it("a malformed dpop_jkt is invalid_request, sent back to the client after sign-in", async () => {
    for (const dpop_jkt of ["not-a-thumbprint", `${"A".repeat(43)}=`, `${"A".repeat(42)}+`]) {
      const browser = new FormBrowser(server.issuer);
      const start = await beginAuthorization(rp, browser, { dpop_jkt });
      const { callback, pages } = await completeAuthorization(browser, start, person);
      expect(pages, dpop_jkt).toEqual(["/login"]);
      expect(callback.searchParams.get("error"), dpop_jkt).toBe("invalid_request");
      expect(callback.searchParams.get("error_description"), dpop_jkt).toMatch(/dpop_jkt/);
      expect(callback.searchParams.get("code"), dpop_jkt).toBeNull();
    }
  });

  it("dpop_jkt in a pushed request binds the code to that key", async () => {
    const key = await generateDpopKey();
    const { params, verifier } = await authorizationParams({ dpop_jkt: await thumbprint(key) });
    const bound = await codeFromPush(params, verifier);
    expect(await redeem(bound)).toEqual([400, "invalid_grant"]);
    const again = await codeFromPush(params, verifier);
    expect(await redeem(again, key)).toEqual([200, "DPoP"]);
  });

  it("a push with a DPoP proof binds the code to the proof's key, as if dpop_jkt named it", async () => {
    const key = await generateDpopKey();
    const { params, verifier } = await authorizationParams();
    const withOther = await codeFromPush(params, verifier, await parProof(server, key));
    expect(await redeem(withOther, await generateDpopKey())).toEqual([400, "invalid_grant"]);
    const withKey = await codeFromPush(params, verifier, await parProof(server, key));
    expect(await redeem(withKey, key)).toEqual([200, "DPoP"]);
    // The same key named in dpop_jkt too: accepted.
    const both = await authorizationParams({ dpop_jkt: await thumbprint(key) });
    const named = await pushRequest(server, rp, both.params, await parProof(server, key));
    expect(named.status, named.text).toBe(201);
  });

  it("a push whose dpop_jkt names another key than its proof is refused, nothing stored", async () => {
    const { params } = await authorizationParams({ dpop_jkt: await thumbprint(await generateDpopKey()) });
    const answer = await pushRequest(server, rp, params, await parProof(server, await generateDpopKey()));
    expect([answer.status, answer.json?.error]).toEqual([400, "invalid_request"]);
    expect(answer.json?.error_description).toMatch(/does not match/);
    expect(answer.json).not.toHaveProperty("request_uri");
  });

  it("a push with a bad or replayed proof is invalid_dpop_proof", async () => {
    const key = await generateDpopKey();
    const { params } = await authorizationParams();
    const forToken = await createDpopProof(key, { method: "POST", url: `${server.issuer}/token` });
    const wrongHtu = await pushRequest(server, rp, params, forToken);
    expect([wrongHtu.status, wrongHtu.json?.error]).toEqual([400, "invalid_dpop_proof"]);
    const proof = await parProof(server, key);
    expect((await pushRequest(server, rp, params, proof)).status).toBe(201);
    const replayed = await pushRequest(server, rp, params, proof);
    expect([replayed.status, replayed.json?.error]).toEqual([400, "invalid_dpop_proof"]);
  });
});

describe("DPoP nonces required at the push endpoint", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ features: { dpop: { nonce: "required" } } });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("a push with a proof without the nonce: 400 use_dpop_nonce with a DPoP-Nonce; with it, 201", async () => {
    const rp = await dpopClient(server);
    const key = await generateDpopKey();
    const { params } = await authorizationParams();
    const asked = await pushRequest(server, rp, params, await parProof(server, key));
    expect([asked.status, asked.json?.error]).toEqual([400, "use_dpop_nonce"]);
    const nonce = asked.headers.get("dpop-nonce") as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const pushed = await pushRequest(server, rp, params, await parProof(server, key, nonce));
    expect(pushed.status, pushed.text).toBe(201);
  });
});
