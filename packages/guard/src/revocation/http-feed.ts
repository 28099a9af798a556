import { clientSecretBasic } from "../http/client-auth.js";
import { type FetchLike, fetchJson, HttpError } from "../http/fetch.js";
import {
  backoffDelay,
  deferred,
  type FeedErrorHandler,
  feedCheck,
  type RevocationFeed,
  sleep,
} from "./feed.js";
import { RevocationSet } from "./set.js";

/** Options of {@link httpRevocationFeed}. Give `issuer` or `url`. */
export interface HttpRevocationFeedOptions {
  /** Issuer URL; the feed is at `${issuer}/revocations`. */
  issuer?: string;
  /** Full feed URL (overrides `issuer`). */
  url?: string;
  /** Client allowed the `revocation_feed` scope (authenticates with `client_secret_basic`). */
  clientId: string;
  clientSecret: string;
  /** Long-poll hold time asked of the server, in seconds (max 25). Default 25. */
  wait?: number;
  /** Set to fill. Default: a new {@link RevocationSet}. */
  set?: RevocationSet;
  /** First retry delay after an error, in milliseconds; doubles up to `maxBackoff`. Default 250. */
  backoff?: number;
  /** Longest retry delay, in milliseconds. Default 30000. */
  maxBackoff?: number;
  /** Called with each error before the feed retries. */
  onError?: FeedErrorHandler;
  /** Custom fetch. Default: the global `fetch`. */
  fetch?: FetchLike;
}

/**
 * Resolves the feed endpoint from `url` or `issuer`.
 *
 * @example
 * ```ts
 * feedUrl({ issuer: "https://id.example.com" }).href; // "https://id.example.com/revocations"
 * ```
 */
export function feedUrl(options: Pick<HttpRevocationFeedOptions, "issuer" | "url">): URL {
  if (options.url) return new URL(options.url);
  if (!options.issuer) throw new TypeError("httpRevocationFeed needs issuer or url");
  return new URL(`${options.issuer.replace(/\/$/, "")}/revocations`);
}

/**
 * Follows the server's HTTP revocation feed (docs/revocation-feed.md): a snapshot first, then a
 * long-poll loop with the cursor, backing off on errors. The first answer and any `reset: true` answer
 * (a snapshot, sent when the server could not use the cursor) replace the set; the others add to it.
 *
 * @example
 * ```ts
 * const revocations = httpRevocationFeed({ issuer, clientId: "orders-api", clientSecret: process.env.SECRET! });
 * const verifier = createVerifier({ issuer, audience, revocations });
 * await revocations.ready; // optional: wait for the first snapshot
 * ```
 */
export function httpRevocationFeed(options: HttpRevocationFeedOptions): RevocationFeed {
  const url = feedUrl(options);
  const ownsSet = options.set === undefined;
  const set = options.set ?? new RevocationSet();
  const wait = Math.min(25, Math.max(0, Math.floor(options.wait ?? 25)));
  const authorization = clientSecretBasic(options.clientId, options.clientSecret);
  const controller = new AbortController();
  const ready = deferred();
  let cursor: string | undefined;

  async function poll(): Promise<void> {
    const request = new URL(url);
    if (cursor !== undefined) {
      request.searchParams.set("cursor", cursor);
      request.searchParams.set("wait", String(wait));
    }
    const body = await fetchJson(
      request,
      { headers: { authorization, accept: "application/json" }, signal: controller.signal },
      { fetch: options.fetch, timeout: (wait + 10) * 1000 },
    );
    const { events, cursor: next, reset } = body;
    if (!Array.isArray(events) || typeof next !== "string") {
      throw new HttpError("revocation feed answered an unexpected document", 200, body);
    }
    if (cursor === undefined || reset === true) set.replace(events);
    else for (const event of events) set.add(event);
    cursor = next;
    ready.resolve();
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!controller.signal.aborted) {
      try {
        await poll();
        failures = 0;
      } catch (err) {
        if (controller.signal.aborted) break;
        options.onError?.(err);
        await sleep(
          backoffDelay(failures++, options.backoff ?? 250, options.maxBackoff ?? 30_000),
          controller.signal,
        );
      }
    }
  }

  const running = loop();
  return {
    set,
    ready: ready.promise,
    isRevoked: feedCheck(set),
    async close() {
      controller.abort();
      await running;
      if (ownsSet) set.close();
    },
  };
}
