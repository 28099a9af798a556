// 6. Full authorization code flow per second, as a browser + client would run it:
// GET /authorize (PKCE S256) -> GET /login (CSRF token, cookie) -> POST /login ->
// GET /authorize/resume -> redirect with the code (consent skipped: first-party client)
// -> POST /token. Each flow uses a fresh cookie jar (a new browser), so each signs in:
// argon2id password verification dominates by design. No peer (oidc-provider's
// devInteractions accept any password, so they are not comparable).
import { randomBytes } from "node:crypto";
import { settings } from "../lib/env.mjs";
import { FrontdeskInstance, SCOPE } from "../lib/frontdesk.mjs";
import { basic, CookieJar, FORM, form, frontdeskSignIn, jarFetch, pkce } from "../lib/oauth.mjs";
import { median, percentile } from "../lib/stats.mjs";

export const id = "flow";
export const title = "authorization code flow (sign-in included)";

const REDIRECT = "http://127.0.0.1:9/callback";
// One user per concurrent flow: sign-in throttling counts attempts per account.
const USERS = ["bench-user-0", "bench-user-1", "bench-user-2", "bench-user-3"];
const PASSWORD = "bench password 0123456789";

async function oneFlow(base, client, user) {
  const jar = new CookieJar();
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString("base64url");
  const authz = await jarFetch(
    jar,
    `${base}/authorize?${form({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope: `openid ${SCOPE}`,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`,
  );
  await authz.arrayBuffer();
  const loginUrl = new URL(authz.headers.get("location") ?? "", base);
  if (loginUrl.pathname !== "/login") throw new Error(`authorize answered ${authz.status} -> ${loginUrl}`);
  const resume = await frontdeskSignIn(
    jar,
    base,
    { request: loginUrl.searchParams.get("request") },
    user,
    PASSWORD,
  );
  const back = await jarFetch(jar, new URL(resume, base));
  await back.arrayBuffer();
  const callback = new URL(back.headers.get("location") ?? "", base);
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) throw new Error(`no code: ${callback}`);
  const res = await fetch(`${base}/token`, {
    method: "POST",
    headers: { authorization: basic(client.client_id, client.client_secret), "content-type": FORM },
    body: form({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  const body = await res.json();
  if (!body.access_token || !body.id_token)
    throw new Error(`token answered ${res.status}: ${JSON.stringify(body)}`);
}

async function drive(base, client, concurrency, seconds) {
  const end = performance.now() + seconds * 1000;
  const latencies = [];
  let errors = 0;
  let firstError;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await oneFlow(base, client, USERS[worker]);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return {
    flows: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    firstError,
  };
}

export async function run() {
  const fd = new FrontdeskInstance({ NODE_ENV: "production" });
  try {
    const client = await fd.webClient(REDIRECT);
    await Promise.all(USERS.map((u) => fd.user(u, PASSWORD)));
    await fd.start();
    await oneFlow(fd.url, client, USERS[0]); // fails loudly if the flow does not work
    const rows = [];
    for (const concurrency of [1, 4]) {
      await drive(fd.url, client, concurrency, settings.warmup);
      const runs = [];
      for (let i = 0; i < settings.runs; i++)
        runs.push(await drive(fd.url, client, concurrency, settings.duration));
      const failed = runs.find((r) => r.firstError);
      if (failed) console.error(`  flow errors (first): ${failed.firstError.message}`);
      rows.push({
        scenario: id,
        case: `c=${concurrency}`,
        system: "frontdesk",
        unit: "flows/s",
        value: median(runs.map((r) => r.flows)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        errors: runs.reduce((n, r) => n + r.errors, 0),
        runs: runs.map(({ firstError: _e, ...r }) => r),
      });
    }
    return {
      rows,
      comparisons: [],
      notes: ["flow: argon2id password verification at sign-in dominates each flow, by design"],
    };
  } finally {
    await fd.dispose();
  }
}
