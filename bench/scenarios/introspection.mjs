// 2. Introspection (RFC 7662) of a live access token by the confidential client.
// Frontdesk introspects its JWT access token (signature, claims, revocation lookup);
// oidc-provider refuses to introspect JWT access tokens, so its token is an opaque
// one (resource indicator with accessTokenFormat 'opaque', looked up in its store).
import { compareLoad, probe } from "../lib/load.mjs";
import { loadRows } from "../lib/report.mjs";

export const id = "introspection";
export const title = "introspection of a live access token";

export async function run(h) {
  const pair = await h.oauthPair();
  const fdToken = await pair.token("frontdesk");
  const peerToken = await pair.token("peer", { resource: pair.peer.opaqueResource });
  const targets = {
    frontdesk: pair.introspectRequest("frontdesk", fdToken),
    peer: pair.introspectRequest("peer", peerToken),
  };
  for (const [side, t] of Object.entries(targets)) {
    const { text } = await probe(t);
    if (JSON.parse(text).active !== true) throw new Error(`${side} introspection is not active: ${text}`);
  }
  const result = await compareLoad(targets, { connections: 10 });
  return loadRows(id, "c=10", result, pair.peerName, { min: 1.5 });
}
