// 6. Full authorization code flow per second, as a browser + client would run it:
// GET /authorize (PKCE S256) -> GET /login (CSRF token, cookie) -> POST /login ->
// GET /authorize/resume -> redirect with the code (consent skipped: first-party client)
// -> POST /token. Each flow uses a fresh cookie jar (a new browser), so each signs in:
// argon2id password verification dominates by design. No peer (oidc-provider's
// devInteractions accept any password, so they are not comparable).
import { settings } from "../lib/env.mjs";
import { FrontdeskInstance, SCOPE } from "../lib/frontdesk.mjs";
import { codeFlow } from "../lib/oauth.mjs";
import { median, percentile } from "../lib/stats.mjs";

export const id = "flow";
export const title = "authorization code flow (sign-in included)";

const REDIRECT = "http://127.0.0.1:9/callback";
// One user per concurrent flow: sign-in throttling counts attempts per account.
const USERS = ["bench-user-0", "bench-user-1", "bench-user-2", "bench-user-3"];
const PASSWORD = "bench password 0123456789";

/** One flow in a new browser (cookie jar); fails loudly unless it ends with an ID token. */
async function oneFlow(base, client, user) {
  const { body } = await codeFlow(base, client, {
    redirectUri: REDIRECT,
    scope: `openid ${SCOPE}`,
    user,
    password: PASSWORD,
  });
  if (!body.id_token) throw new Error(`token answered without an ID token: ${JSON.stringify(body)}`);
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
