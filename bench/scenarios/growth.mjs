// 8. Cost as the data grows: the token endpoint, introspection, the session route and a
// refresh, on a Frontdesk holding 1,000 stored users, refresh-token families and sessions and
// on one holding BENCH_GROWTH_ROWS (default 1,000,000), both running and measured
// interleaved; seeded straight into their SQLite files (bench/lib/seed.mjs). Flat is the
// goal (every look-up indexed). Also bytes per session in Redis and per refresh family in
// PostgreSQL (bench/lib/record-sizes.mjs), when they are reachable.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI, FrontdeskInstance, SCOPE } from "../lib/frontdesk.mjs";
import { compareLoad } from "../lib/load.mjs";
import { basic, codeFlow, FORM, form } from "../lib/oauth.mjs";
import { postgresBytesPerFamily, redisBytesPerSession } from "../lib/record-sizes.mjs";
import { compare } from "../lib/report.mjs";
import { countRecords, seedRecords } from "../lib/seed.mjs";

export const id = "growth";
export const title = "cost as the data grows: 1,000 vs many stored records";

const execFileAsync = promisify(execFile);
const SMALL = 1000;
const CONNECTIONS = 10;
const REDIRECT = "http://127.0.0.1:9/callback";
const USER = "bench-user";
const PASSWORD = "bench password 0123456789";
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const count = (n) => n.toLocaleString("en-US");

/** A Frontdesk with `rows` seeded records, started, and what its four cases send. */
async function prepare(rows, h) {
  const fd = new FrontdeskInstance({ NODE_ENV: "production" });
  const svc = await fd.serviceClient();
  const web = await fd.cli(
    "client",
    "create",
    "--name",
    "bench-web",
    "--grant-types",
    "authorization_code,refresh_token",
    "--redirect-uri",
    REDIRECT,
    "--scopes",
    `openid offline_access ${SCOPE}`,
    "--first-party",
  );
  await fd.user(USER, PASSWORD);
  await fd.start();
  const flow = await codeFlow(fd.url, web, {
    redirectUri: REDIRECT,
    scope: `openid offline_access ${SCOPE}`,
    user: USER,
    password: PASSWORD,
  });
  if (!flow.body.refresh_token) throw new Error(`no refresh token: ${JSON.stringify(flow.body)}`);
  await fd.stop();
  // Every measured run of the refresh case starts each connection on a token of its own.
  const live = (2 + h.settings.runs) * CONNECTIONS * 2 + 20;
  const seeded = seedRecords(fd.dataDir, { username: USER, clientId: web.client_id, rows, live });
  await fd.start();
  const meta = await (await fetch(`${fd.url}/.well-known/openid-configuration`)).json();
  const svcAuth = basic(svc.client_id, svc.client_secret);
  const tokenRequest = {
    url: meta.token_endpoint,
    method: "POST",
    headers: { authorization: svcAuth, "content-type": FORM },
    body: form({ grant_type: "client_credentials", scope: SCOPE }),
  };
  const accessToken = (await (await fetch(tokenRequest.url, tokenRequest)).json()).access_token;
  return {
    fd,
    seeded,
    targets: {
      token: tokenRequest,
      introspection: {
        url: meta.introspection_endpoint,
        method: "POST",
        headers: { authorization: svcAuth, "content-type": FORM },
        body: form({ token: accessToken }),
      },
      session: { url: `${fd.url}/authz`, headers: { cookie: flow.jar.header() } },
      refresh: {
        url: meta.token_endpoint,
        method: "POST",
        headers: { authorization: basic(web.client_id, web.client_secret), "content-type": FORM },
        chain: {
          pool: seeded.liveTokens,
          body: (token) => form({ grant_type: "refresh_token", refresh_token: token }),
        },
      },
    },
  };
}

/** The bytes figures, each skipped with its reason when its store is unreachable. */
async function recordSizes(h, seeded, rows) {
  const notes = [];
  const out = [];
  const template = JSON.parse(seeded.sessionTemplate.value);
  try {
    const r = await redisBytesPerSession(h.settings.redisUrl, (_i, userId) =>
      JSON.stringify({ ...template, userId }),
    );
    out.push({ case: "bytes per session", system: "Redis", value: r.total, detail: r });
    notes.push(
      `growth: Redis: ${r.sessionKey.toFixed(0)} B per session key + ${r.userSessionsSet.toFixed(0)} B per user's session set (one member)`,
    );
  } catch (error) {
    notes.push(`growth: Redis bytes per session skipped (${error.message})`);
  }
  try {
    const families = Math.min(rows, 100_000);
    const migrate = (url) =>
      execFileAsync(process.execPath, [CLI, "migrate"], {
        env: { ...process.env, FRONTDESK_DATABASE_URL: url },
      });
    const r = await postgresBytesPerFamily(POSTGRES_URL, migrate, seeded.templates, families);
    out.push({ case: "bytes per refresh family", system: "PostgreSQL", value: r.bytesPerFamily, detail: r });
    notes.push(
      `growth: PostgreSQL: ${r.bytesPerFamily.toFixed(0)} B per refresh family with its live token, tables and indexes, over ${count(families)} families`,
    );
  } catch (error) {
    notes.push(`growth: PostgreSQL bytes per family skipped (${error.message})`);
  }
  return { out, notes };
}

export async function run(h) {
  const large = h.settings.growthRows;
  const small = await prepare(SMALL, h);
  let big;
  try {
    big = await prepare(large, h);
    const bigName = `frontdesk, ${count(large)} records`;
    const rows = [];
    const comparisons = [];
    for (const [caseName, key] of [
      ["token endpoint", "token"],
      ["introspection", "introspection"],
      ["session route", "session"],
      ["refresh", "refresh"],
    ]) {
      const result = await compareLoad(
        { small: small.targets[key], big: big.targets[key] },
        { connections: CONNECTIONS },
      );
      const row = (system, r) => ({
        scenario: id,
        case: caseName,
        system,
        unit: "req/s",
        value: r.rps,
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
        runs: r.runs,
      });
      rows.push(row(`frontdesk, ${count(SMALL)} records`, result.small), row(bigName, result.big));
      comparisons.push({
        ...compare(id, caseName, "req/s", result.big.rps, result.small.rps, `${count(SMALL)} records`, {
          min: 0.9,
        }),
        subject: bigName,
      });
    }
    const sizes = await recordSizes(h, big.seeded, large);
    for (const s of sizes.out) rows.push({ scenario: id, unit: "B", ...s });
    const counts = { small: countRecords(small.fd.dataDir), big: countRecords(big.fd.dataDir) };
    return {
      rows,
      comparisons,
      notes: [
        `growth: seeding ${count(large)} records took ${big.seeded.durableSeconds.toFixed(1)} s (durable) + ${big.seeded.fastSeconds.toFixed(1)} s (fast store)`,
        `growth: rows after the runs: ${JSON.stringify(counts)} (the refresh case adds one token per request)`,
        ...sizes.notes,
      ],
    };
  } finally {
    await Promise.allSettled([small.fd.dispose(), big?.fd.dispose()]);
  }
}
