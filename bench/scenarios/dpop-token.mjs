// Token endpoint with DPoP (RFC 9449): client_credentials, a fresh ES256 proof per request,
// a DPoP-bound ES256 JWT access token (cnf.jkt) back. Peer: oidc-provider with DPoP on.
import { dpopSigner } from "../lib/dpop.mjs";
import { compareLoad, probe } from "../lib/load.mjs";
import { loadRows } from "../lib/report.mjs";

export const id = "dpop-token";
export const title = "token endpoint with DPoP: client_credentials + proof -> DPoP-bound ES256 JWT";

export async function run(h) {
  const pair = await h.oauthPair();
  const targets = {};
  for (const side of ["frontdesk", "peer"]) {
    const request = pair.tokenRequest(side);
    const proof = dpopSigner();
    targets[side] = { ...request, fresh: () => ({ dpop: proof("POST", request.url) }) };
  }
  // Both must answer token_type DPoP with a JWT bound to the proof's key.
  for (const [side, t] of Object.entries(targets)) {
    const { text } = await probe(t);
    const body = JSON.parse(text);
    const claims = JSON.parse(
      Buffer.from(body.access_token.split(".")[1] ?? "", "base64url").toString() || "{}",
    );
    if (body.token_type !== "DPoP" || typeof claims.cnf?.jkt !== "string")
      throw new Error(`${side} did not issue a DPoP-bound JWT: ${text.slice(0, 200)}`);
  }
  const out = { rows: [], comparisons: [] };
  for (const connections of [10]) {
    const result = await compareLoad(targets, { connections });
    const r = loadRows(id, `c=${connections}`, result, pair.peerName, { min: 1.5 });
    out.rows.push(...r.rows);
    out.comparisons.push(...r.comparisons);
  }
  return out;
}
