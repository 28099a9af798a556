import { backoffDelay, deferred, type FeedErrorHandler, feedCheck, type RevocationFeed } from "./feed.js";
import { RevocationSet } from "./set.js";

/** The part of an ioredis client the feed uses (so ioredis stays an optional peer dependency). */
export interface RedisClientLike {
  readonly status: string;
  duplicate(): RedisClientLike;
  subscribe(...channels: string[]): Promise<unknown>;
  xrange(key: string, start: string, end: string, count: "COUNT", n: number): Promise<[string, string[]][]>;
  on(event: "message", listener: (channel: string, message: string) => void): unknown;
  on(event: "ready" | "error", listener: (arg?: unknown) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options of {@link redisRevocationFeed}. */
export interface RedisRevocationFeedOptions {
  /** An ioredis client (not closed by the feed) or a Redis URL (the feed connects and disconnects). */
  redis: RedisClientLike | string;
  /** Server key prefix `P` (keys are `P{rev}:events` and `P{rev}:stream`). Default `"frontdesk:"`. */
  prefix?: string;
  /** Set to fill. Default: a new {@link RevocationSet}. */
  set?: RevocationSet;
  /** Called with connection errors and failed catch-ups (ioredis reconnects on its own). */
  onError?: FeedErrorHandler;
}

const PAGE = 1000;

/**
 * Follows revocation events over Redis (docs/revocation-feed.md): `SUBSCRIBE P{rev}:events`, and on
 * every (re)connect a catch-up read of `P{rev}:stream` with `XRANGE` from the last entry seen. ioredis is
 * imported only when `redis` is a URL.
 *
 * @example
 * ```ts
 * const revocations = redisRevocationFeed({ redis: "redis://127.0.0.1:6379", prefix: "frontdesk:" });
 * const verifier = createVerifier({ issuer, audience, revocations });
 * ```
 */
export function redisRevocationFeed(options: RedisRevocationFeedOptions): RevocationFeed {
  const prefix = options.prefix ?? "frontdesk:";
  const channel = `${prefix}{rev}:events`;
  const stream = `${prefix}{rev}:stream`;
  const ownsSet = options.set === undefined;
  const set = options.set ?? new RevocationSet();
  const ready = deferred();
  const report = (err: unknown) => options.onError?.(err);
  let lastId = "-";
  let closed = false;

  async function catchUp(commands: RedisClientLike): Promise<void> {
    for (;;) {
      const start = lastId === "-" ? "-" : `(${lastId}`;
      const entries = await commands.xrange(stream, start, "+", "COUNT", PAGE);
      for (const [id, fields] of entries) {
        lastId = id;
        const at = fields.indexOf("event");
        if (at >= 0 && at % 2 === 0) set.add(fields[at + 1]);
      }
      if (entries.length < PAGE) return;
    }
  }

  const connected = (async () => {
    const owned = typeof options.redis === "string";
    const commands = typeof options.redis === "string" ? await connect(options.redis) : options.redis;
    const subscriber = commands.duplicate();
    subscriber.on("error", report);
    if (owned) commands.on("error", report);
    subscriber.on("message", (from, message) => {
      if (from === channel) set.add(message);
    });
    // Subscribe first, then read the stream, so no event falls between the two. Runs again after every
    // reconnect (SUBSCRIBE is idempotent) and, with backoff, after a failure; runs never interleave.
    let chain: Promise<void> = Promise.resolve();
    let failures = 0;
    const run = () => {
      chain = chain
        .then(async () => {
          if (closed) return;
          await subscriber.subscribe(channel);
          await catchUp(commands);
          failures = 0;
          ready.resolve();
        })
        .catch((err: unknown) => {
          report(err);
          if (!closed) setTimeout(run, backoffDelay(failures++, 250, 30_000)).unref();
        });
    };
    let readyEvents = 0;
    subscriber.on("ready", () => {
      if (readyEvents++ > 0) run(); // a reconnect; the first connection is covered by the run below
    });
    run();
    return { commands, subscriber, owned };
  })();
  connected.catch(report);

  return {
    set,
    ready: ready.promise,
    isRevoked: feedCheck(set),
    async close() {
      closed = true;
      const { commands, subscriber, owned } = await connected.catch(() => ({
        commands: undefined,
        subscriber: undefined,
        owned: false,
      }));
      subscriber?.disconnect();
      if (owned) await commands?.quit().catch(() => commands.disconnect());
      if (ownsSet) set.close();
    },
  };
}

async function connect(url: string): Promise<RedisClientLike> {
  const { Redis } = await import("ioredis");
  return new Redis(url, { maxRetriesPerRequest: null }) as unknown as RedisClientLike;
}
