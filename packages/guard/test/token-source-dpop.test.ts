import type { ServerResponse } from "node:http";
import { calculateJwkThumbprint, decodeJwt } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeGuard } from "../src/adapters/node.js";
import { generateDpopKey, type VerifiedDpopProof, verifyDpopProof } from "../src/dpop/index.js";
import { clientCredentialsTokenSource, createVerifier, TokenRequestError } from "../src/index.js";
import { listen, makeKey, mint, type SigningKey } from "./helpers.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "https://orders.test";
let key: SigningKey;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});
beforeAll(async () => {
  key = await makeKey();
});

/**
 * A token endpoint as RFC 9449 section 5 describes it: checks the DPoP proof of each request, may demand
 * its current nonce (400 use_dpop_nonce with DPoP-Nonce, section 8; "rotating" never accepts one), and
 * issues tokens bound to the proof's key (token_type DPoP, cnf.jkt).
 */
async function startDpopTokenEndpoint(options: { nonce?: "required" | "rotating"; tokenType?: string } = {}) {
  const state = {
    requests: 0,
    proofs: [] as VerifiedDpopProof[],
    nonce: "nonce-1",
    exchangeProofs: [] as unknown[],
  };
  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  let url = "";
  const srv = await listen(async (req, res) => {
    state.requests++;
    let form = "";
    for await (const chunk of req) form += chunk;
    if (new URLSearchParams(form).get("grant_type") === "urn:ietf:params:oauth:grant-type:token-exchange") {
      state.exchangeProofs.push(req.headers.dpop);
      const issued = "urn:ietf:params:oauth:token-type:access_token";
      return answer(res, 200, { access_token: "exchanged", token_type: "Bearer", issued_token_type: issued });
    }
    let proof: VerifiedDpopProof;
    try {
      proof = await verifyDpopProof(req.headers.dpop as string | undefined, {
        method: req.method ?? "",
        url,
      });
    } catch (err) {
      return answer(res, 400, { error: "invalid_dpop_proof", error_description: (err as Error).message });
    }
    state.proofs.push(proof);
    if (options.nonce === "rotating" || (options.nonce && proof.nonce !== state.nonce)) {
      if (options.nonce === "rotating") state.nonce = `nonce-${state.requests + 1}`; // never accepted
      return answer(res, 400, { error: "use_dpop_nonce" }, { "dpop-nonce": state.nonce });
    }
    const access_token = await mint(key, ISSUER, { aud: AUDIENCE, sub: "billing", cnf: { jkt: proof.jkt } });
    answer(res, 200, { access_token, token_type: options.tokenType ?? "DPoP", expires_in: 600 });
  });
  url = `${srv.url}/token`;
  closers.push(srv.close);
  return { tokenEndpoint: url, state };
}

/** A service guarded for DPoP only, whose publicUrl is the address the test calls it at. */
async function startResource() {
  let guard: ReturnType<typeof nodeGuard> | undefined;
  const srv = await listen(async (req, res) => {
    const claims = await (guard as ReturnType<typeof nodeGuard>)(req, res);
    if (claims) res.end(JSON.stringify({ sub: claims.sub }));
  });
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [key.jwk] },
    publicUrl: srv.url,
  });
  guard = nodeGuard(verifier, { requireDpop: true });
  closers.push(srv.close);
  return srv.url;
}

const source = (
  tokenEndpoint: string,
  dpop: Parameters<typeof clientCredentialsTokenSource>[0]["dpop"] = true,
) => clientCredentialsTokenSource({ tokenEndpoint, clientId: "billing", clientSecret: "s3cret", dpop });

describe("clientCredentialsTokenSource with DPoP (RFC 9449)", () => {
  it("gets a token bound to its key and signs a fresh proof for each call to a DPoP service", async () => {
    const server = await startDpopTokenEndpoint();
    const resource = await startResource();
    const tokens = source(server.tokenEndpoint);
    const url = `${resource}/orders?page=1`;
    for (const method of ["GET", "get", "post"]) {
      const headers = await tokens.headers(method, url);
      expect(headers.authorization).toMatch(/^DPoP ey/);
      const res = await fetch(url, { method, headers });
      expect([method, res.status, await res.json()]).toEqual([method, 200, { sub: "billing" }]);
    }
    expect(server.state.requests).toBe(1);
    const token = await tokens.getToken();
    expect(decodeJwt(token).cnf).toEqual({ jkt: server.state.proofs[0]?.jkt });
    // A source's headers go to one call: sent again, they are a replay.
    const once = await tokens.headers("GET", url);
    expect((await fetch(url, { headers: once })).status).toBe(200);
    expect((await fetch(url, { headers: once })).status).toBe(401);
  });

  it("proves possession of the key it is given", async () => {
    const server = await startDpopTokenEndpoint();
    const dpopKey = await generateDpopKey("EdDSA");
    await source(server.tokenEndpoint, dpopKey).getToken();
    expect(server.state.proofs[0]?.jkt).toBe(await calculateJwkThumbprint(dpopKey.publicJwk, "sha256"));
  });

  it("retries once with the server's DPoP-Nonce on use_dpop_nonce, and keeps the nonce for the next request", async () => {
    const server = await startDpopTokenEndpoint({ nonce: "required" });
    const resource = await startResource();
    const tokens = source(server.tokenEndpoint);
    await tokens.getToken();
    expect(server.state.proofs.map((p) => p.nonce)).toEqual([undefined, "nonce-1"]);
    tokens.invalidate();
    await tokens.getToken();
    expect(server.state.proofs.map((p) => p.nonce)).toEqual([undefined, "nonce-1", "nonce-1"]);
    // The token endpoint's nonce is its own: proofs for other services never carry it.
    const headers = await tokens.headers("GET", `${resource}/orders`);
    expect(decodeJwt(headers.dpop as string).nonce).toBeUndefined();
    expect((await fetch(`${resource}/orders`, { headers })).status).toBe(200);
  });

  it("gives up after one retry, with the server's error", async () => {
    const server = await startDpopTokenEndpoint({ nonce: "rotating" });
    const err = await source(server.tokenEndpoint)
      .getToken()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect(err).toMatchObject({ error: "use_dpop_nonce", status: 400 });
    expect(server.state.requests).toBe(2);
  });

  it("exchanges tokens as bearer tokens (exchange() hands out the token alone), without a proof", async () => {
    const server = await startDpopTokenEndpoint();
    const tokens = source(server.tokenEndpoint);
    expect(await tokens.exchange("person-token", { audience: "https://stock.test" })).toBe("exchanged");
    expect(server.state.exchangeProofs).toEqual([undefined]);
  });

  it("refuses a bearer token answered to a DPoP request (no silent downgrade)", async () => {
    const server = await startDpopTokenEndpoint({ tokenType: "Bearer" });
    await expect(source(server.tokenEndpoint).getToken()).rejects.toThrow("answered no DPoP access_token");
  });
});
