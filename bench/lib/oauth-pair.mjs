// Frontdesk and oidc-provider side by side, with a client_credentials client each, and the
// ceiling (bench/peers/ceiling.mjs) for the token endpoint and introspection
// (shared by the token, introspection and documents scenarios).
import { FrontdeskInstance, SCOPE } from "./frontdesk.mjs";
import { basic, FORM, form } from "./oauth.mjs";
import { CeilingPeer, OidcProviderPeer } from "./peers.mjs";

export async function startOauthPair() {
  const fd = new FrontdeskInstance({ NODE_ENV: "production" });
  const svc = await fd.serviceClient();
  await fd.start();
  const peer = await new OidcProviderPeer().start();
  const ceiling = await new CeilingPeer().start();
  const meta = async (base) => (await fetch(`${base}/.well-known/openid-configuration`)).json();
  const targets = {
    frontdesk: { meta: await meta(fd.url), auth: basic(svc.client_id, svc.client_secret) },
    peer: { meta: await meta(peer.url), auth: basic(peer.clientId, peer.clientSecret) },
    ceiling: {
      meta: { token_endpoint: `${ceiling.url}/token`, introspection_endpoint: `${ceiling.url}/introspect` },
      auth: basic(ceiling.clientId, ceiling.clientSecret),
    },
  };
  return {
    fd,
    peer,
    ceiling,
    peerName: `oidc-provider`,
    /** The client_credentials request of one side (`extra`: more form parameters). */
    tokenRequest(side, extra = {}) {
      const t = targets[side];
      return {
        url: t.meta.token_endpoint,
        method: "POST",
        headers: { authorization: t.auth, "content-type": FORM },
        body: form({ grant_type: "client_credentials", scope: SCOPE, ...extra }),
      };
    },
    async token(side, extra) {
      const r = this.tokenRequest(side, extra);
      const res = await fetch(r.url, r);
      const body = await res.json();
      if (!body.access_token) throw new Error(`${side} token request failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    introspectRequest(side, token) {
      const t = targets[side];
      return {
        url: t.meta.introspection_endpoint,
        method: "POST",
        headers: { authorization: t.auth, "content-type": FORM },
        body: form({ token }),
      };
    },
    async stop() {
      await Promise.all([fd.dispose(), peer.stop(), ceiling.stop()]);
    },
  };
}
