// 3. Public documents: JWKS and OpenID Connect discovery metadata.
import { compareLoad } from "../lib/load.mjs";
import { loadRows } from "../lib/report.mjs";

export const id = "documents";
export const title = "JWKS and discovery documents";

export async function run(h) {
  const pair = await h.oauthPair();
  const discovery = (base) => `${base}/.well-known/openid-configuration`;
  const jwksUri = async (base) => (await (await fetch(discovery(base))).json()).jwks_uri;
  const out = { rows: [], comparisons: [] };
  const cases = {
    jwks: { frontdesk: { url: await jwksUri(pair.fd.url) }, peer: { url: await jwksUri(pair.peer.url) } },
    discovery: { frontdesk: { url: discovery(pair.fd.url) }, peer: { url: discovery(pair.peer.url) } },
  };
  for (const [name, targets] of Object.entries(cases)) {
    const result = await compareLoad(targets, { connections: 10 });
    const r = loadRows(id, `${name} c=10`, result, pair.peerName);
    out.rows.push(...r.rows);
    out.comparisons.push(...r.comparisons);
  }
  return out;
}
