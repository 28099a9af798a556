// autocannon runs: warm-up, then N measured runs, median throughput.
import autocannon from "autocannon";
import { settings } from "./env.mjs";
import { median } from "./stats.mjs";

function once(opts) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        method: opts.method ?? "GET",
        headers: opts.headers ?? {},
        body: opts.body,
        // A target with `fresh()` gets headers made for each request (a DPoP proof is single-use).
        ...(opts.fresh
          ? {
              requests: [
                { setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...opts.fresh() } }) },
              ],
            }
          : {}),
        ...(opts.chain ? { requests: [chainRequest(opts.chain)] } : {}),
        connections: opts.connections ?? 10,
        pipelining: 1,
        duration: opts.duration,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/**
 * A target with `chain: { pool, body(token) }` presents single-use tokens whose answers name
 * their successors (refresh-token rotation). Each answer's `refresh_token` goes to a shared
 * queue that the next request takes from (autocannon resets a request's context every time,
 * and a connection's next request is built after its answer is recorded); the pool starts
 * connections off. Tokens left in the queue carry over to the next run.
 */
function chainRequest(chain) {
  chain.queue ??= [];
  return {
    setupRequest: (req) => {
      const token = chain.queue.pop() ?? chain.pool.pop();
      return { ...req, body: chain.body(token ?? "pool-exhausted") };
    },
    onResponse: (status, body) => {
      if (status === 200) chain.queue.push(JSON.parse(body).refresh_token);
    },
  };
}

function summary(r) {
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    non2xx: r.non2xx,
  };
}

/** Checks one request answers 2xx before loading (a misconfigured case fails loudly). */
export async function probe({ url, method = "GET", headers = {}, body, fresh, chain }) {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...fresh?.() },
    body: chain ? chain.body(chain.pool.pop()) : body,
    redirect: "manual",
  });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300)
    throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, text, headers: res.headers };
}

/**
 * Loads several targets with the same settings, interleaving their runs (A1 B1 A2 B2 ...)
 * so slow drift on a shared machine affects them alike. `targets` is
 * `{ key: {url, method, headers, body} }`; resolves to `{ key: {rps, p50, p99, errors, runs} }`.
 */
export async function compareLoad(targets, { connections }) {
  const keys = Object.keys(targets);
  for (const key of keys) await probe(targets[key]);
  for (const key of keys) await once({ ...targets[key], connections, duration: settings.warmup });
  const runs = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < settings.runs; i++)
    for (const key of keys)
      runs[key].push(summary(await once({ ...targets[key], connections, duration: settings.duration })));
  return Object.fromEntries(
    keys.map((k) => {
      const r = runs[k];
      return [
        k,
        {
          rps: median(r.map((x) => x.rps)),
          p50: median(r.map((x) => x.p50)),
          p99: median(r.map((x) => x.p99)),
          errors: r.reduce((n, x) => n + x.errors, 0),
          runs: r,
        },
      ];
    }),
  );
}

/** A fixed number of requests (warm-up before memory readings). */
export async function warmRequests(target, amount, connections = 10) {
  return new Promise((resolve, reject) => {
    autocannon(
      { ...target, method: target.method ?? "GET", connections, amount, timeout: 10 },
      (err, result) => (err ? reject(err) : resolve(summary(result))),
    );
  });
}
