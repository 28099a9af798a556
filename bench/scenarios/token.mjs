// 1. Token endpoint, client_credentials, ES256 JWT access token (RFC 9068), 10 and 50 connections;
// beside oidc-provider, the ceiling (bench/peers/ceiling.mjs: the endpoint's essential work only).
import { compareLoad, probe } from "../lib/load.mjs";
import { ceilingRows, loadRows } from "../lib/report.mjs";

export const id = "token";
export const title = "token endpoint: client_credentials -> ES256 JWT";

export async function run(h) {
  const pair = await h.oauthPair();
  const targets = {
    frontdesk: pair.tokenRequest("frontdesk"),
    peer: pair.tokenRequest("peer"),
    ceiling: pair.tokenRequest("ceiling"),
  };
  // Both must hand out a JWS (three parts, ES256) for the comparison to hold.
  for (const [side, t] of Object.entries(targets)) {
    const { text } = await probe(t);
    const token = JSON.parse(text).access_token;
    const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString());
    if (token.split(".").length !== 3 || header.alg !== "ES256")
      throw new Error(`${side} did not issue an ES256 JWT: ${text.slice(0, 200)}`);
  }
  const out = { rows: [], comparisons: [] };
  for (const connections of [10, 50]) {
    const result = await compareLoad(targets, { connections });
    for (const r of [
      loadRows(id, `c=${connections}`, result, pair.peerName, { min: 2 }),
      ceilingRows(id, `c=${connections}`, result, { min: 0.8 }),
    ]) {
      out.rows.push(...r.rows);
      out.comparisons.push(...r.comparisons);
    }
  }
  return out;
}
