// 2. Introspection (RFC 7662) of a live access token by the confidential client.
// Frontdesk introspects its JWT access token (signature, claims, revocation lookup);
// oidc-provider refuses to introspect JWT access tokens, so its token is an opaque
// one (resource indicator with accessTokenFormat 'opaque', looked up in its store).
// The ceiling (bench/peers/ceiling.mjs) checks its own ES256 JWT's signature and exp only.
import { compareLoad, probe } from "../lib/load.mjs";
import { ceilingRows, loadRows } from "../lib/report.mjs";

export const id = "introspection";
export const title = "introspection of a live access token";

export async function run(h) {
  const pair = await h.oauthPair();
  const fdToken = await pair.token("frontdesk");
  const peerToken = await pair.token("peer", { resource: pair.peer.opaqueResource });
  const targets = {
    frontdesk: pair.introspectRequest("frontdesk", fdToken),
    peer: pair.introspectRequest("peer", peerToken),
    ceiling: pair.introspectRequest("ceiling", await pair.token("ceiling")),
  };
  for (const [side, t] of Object.entries(targets)) {
    const { text } = await probe(t);
    if (JSON.parse(text).active !== true) throw new Error(`${side} introspection is not active: ${text}`);
  }
  const result = await compareLoad(targets, { connections: 10 });
  const peer = loadRows(id, "c=10", result, pair.peerName, { min: 1.5 });
  const ceiling = ceilingRows(id, "c=10", result, { min: 0.8 });
  return {
    rows: [...peer.rows, ...ceiling.rows],
    comparisons: [...peer.comparisons, ...ceiling.comparisons],
  };
}
