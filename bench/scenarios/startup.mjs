// 7. Cold start-up time (spawn -> first 200 on /.well-known/openid-configuration) and idle
// memory (VmRSS after start + warm-up + GC settle) of Frontdesk vs oidc-provider.
// Frontdesk starts on an existing data directory (migrated, keys generated), as on a restart.
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { settings } from "../lib/env.mjs";
import { FrontdeskInstance } from "../lib/frontdesk.mjs";
import { warmRequests } from "../lib/load.mjs";
import { basic, FORM, form } from "../lib/oauth.mjs";
import { OidcProviderPeer } from "../lib/peers.mjs";
import { rssKb } from "../lib/proc.mjs";
import { compare } from "../lib/report.mjs";
import { median } from "../lib/stats.mjs";

export const id = "startup";
export const title = "cold start-up and idle memory";

const NODE_FLAGS = [
  "--expose-gc",
  "--import",
  pathToFileURL(new URL("../lib/gc-hook.mjs", import.meta.url).pathname).href,
];

async function warmAndMeasure(server, tokenRequest) {
  const base = server.url;
  await warmRequests({ url: `${base}/.well-known/openid-configuration` }, 500);
  const meta = await (await fetch(`${base}/.well-known/openid-configuration`)).json();
  await warmRequests({ url: meta.jwks_uri }, 500);
  await warmRequests({ ...tokenRequest, url: meta.token_endpoint }, 500);
  for (let i = 0; i < 2; i++) {
    await sleep(500);
    server.child.kill("SIGUSR2");
  }
  await sleep(1000);
  return rssKb(server.child.pid) / 1024;
}

export async function run() {
  const fd = new FrontdeskInstance({ NODE_ENV: "production" });
  const svc = await fd.serviceClient();
  const fdToken = {
    method: "POST",
    headers: { authorization: basic(svc.client_id, svc.client_secret), "content-type": FORM },
    body: form({ grant_type: "client_credentials", scope: "api:read" }),
  };
  const samples = { frontdesk: { start: [], rss: [] }, peer: { start: [], rss: [] } };
  try {
    for (let i = 0; i < settings.starts; i++) {
      await fd.start({ nodeFlags: NODE_FLAGS });
      samples.frontdesk.start.push(fd.startupMs);
      samples.frontdesk.rss.push(await warmAndMeasure(fd, fdToken));
      await fd.stop();

      const peer = new OidcProviderPeer();
      await peer.start({ nodeFlags: NODE_FLAGS });
      samples.peer.start.push(peer.startupMs);
      const peerToken = {
        method: "POST",
        headers: { authorization: basic(peer.clientId, peer.clientSecret), "content-type": FORM },
        body: form({ grant_type: "client_credentials", scope: "api:read" }),
      };
      samples.peer.rss.push(await warmAndMeasure(peer, peerToken));
      await peer.stop();
    }
  } finally {
    await fd.dispose();
  }
  const m = (side, k) => median(samples[side][k]);
  const row = (system, caseName, unit, side, k) => ({
    scenario: id,
    case: caseName,
    system,
    unit,
    value: m(side, k),
    runs: samples[side][k],
  });
  return {
    rows: [
      row("frontdesk", "start-up", "ms", "frontdesk", "start"),
      row("oidc-provider", "start-up", "ms", "peer", "start"),
      row("frontdesk", "idle RSS", "MB", "frontdesk", "rss"),
      row("oidc-provider", "idle RSS", "MB", "peer", "rss"),
    ],
    comparisons: [
      compare(id, "start-up", "ms", m("frontdesk", "start"), m("peer", "start"), "oidc-provider"),
      compare(id, "idle RSS", "MB", m("frontdesk", "rss"), m("peer", "rss"), "oidc-provider", { max: 1 }),
    ],
  };
}
