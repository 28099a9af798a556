import { Cluster, Redis } from "ioredis";
import { StoreUnavailableError } from "../unavailable.js";
import type { FastStore } from "./types.js";

/**
 * Redis fast store.
 *
 * Key layout (P = prefix, default `frontdesk:`), each key carrying a Redis Cluster
 * hash tag `{...}` so every operation, scripts included, stays in one slot while
 * different keys still spread over the cluster:
 *
 *   P{ns:key}       string value or counter (native TTL)
 *   P{ns:key}:set   set of members (TTL only ever extended)
 *   P{rev}:stream   revocation events (XADD MAXLEN ~ 100000, field `event`)
 *   P{rev}:events   pub/sub channel carrying each event's JSON text
 *
 * The stream and channel names are the contract of docs/revocation-feed.md. The
 * prefix must not contain `{` or `}` (it would move the hash tag).
 *
 * Fail closed: no offline queue and no re-sent in-flight commands, so while Redis
 * is down every call rejects at once with a StoreUnavailableError (503); ioredis
 * keeps reconnecting in the background and the same store works again once Redis
 * is back. `commandTimeout` bounds a call on a connection that died silently.
 */
export interface RedisFastStoreOptions {
  url: string;
  prefix?: string;
  /** Milliseconds before a call is given up (default 1500). */
  commandTimeout?: number;
  /** Milliseconds to establish a connection (default 1000). */
  connectTimeout?: number;
  /** Stream length kept for the revocation feed (approximate). */
  streamMaxLen?: number;
  /** `url` is one node of a Redis Cluster: route each key to its slot's node. */
  cluster?: boolean;
}

const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

const ADD_TO_SET = `redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

const APPEND_EVENT = `local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return id`;

const STREAM_ID = /^\d+(-\d+)?$/;

interface Scripts {
  fdIncrement(key: string, ttlMs: number): Promise<number>;
  fdAddToSet(key: string, member: string, ttlMs: number): Promise<number>;
  fdAppendEvent(stream: string, event: string, channel: string, maxLen: number): Promise<string>;
}

/** Whether an event (JSON text with `expires_at` in epoch seconds) is still live; non-JSON is kept. */
function live(event: string, nowMs: number): boolean {
  try {
    const exp = (JSON.parse(event) as { expires_at?: unknown }).expires_at;
    return typeof exp !== "number" || exp * 1000 > nowMs;
  } catch {
    return true;
  }
}

const ttlMs = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

export function redisFastStore(options: RedisFastStoreOptions): FastStore {
  const prefix = options.prefix ?? "frontdesk:";
  if (/[{}]/.test(prefix)) throw new Error("redisPrefix must not contain { or }");
  const maxLen = options.streamMaxLen ?? 100_000;
  const connectTimeout = options.connectTimeout ?? 1000;
  const connection = {
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeout ?? 1500,
    connectTimeout,
    autoResendUnfulfilledCommands: false,
  };
  const retry = (attempt: number) => Math.min(attempt * 100, 1000);
  // A Cluster client speaks the same commands; every operation below touches one key
  // (hash-tagged), so each goes to one node. Typed as Redis for the shared command API.
  const cluster = options.cluster
    ? new Cluster([options.url], {
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
        redisOptions: connection,
      })
    : undefined;
  const redis: Redis =
    (cluster as unknown as Redis | undefined) ??
    new Redis(options.url, {
      ...connection,
      enableOfflineQueue: false,
      retryStrategy: retry,
      lazyConnect: false,
    });
  // Errors surface on the calls that fail (with the last connection error as cause).
  let connectionError: Error | undefined;
  redis.on("error", (error: Error) => {
    connectionError = error;
  });
  redis.on("ready", () => {
    connectionError = undefined;
  });
  redis.defineCommand("fdIncrement", { numberOfKeys: 1, lua: INCREMENT });
  redis.defineCommand("fdAddToSet", { numberOfKeys: 1, lua: ADD_TO_SET });
  redis.defineCommand("fdAppendEvent", { numberOfKeys: 1, lua: APPEND_EVENT });
  const scripts = redis as unknown as Scripts;

  const value = (ns: string, key: string) => `${prefix}{${ns}:${key}}`;
  const set = (ns: string, key: string) => `${value(ns, key)}:set`;
  const stream = `${prefix}{rev}:stream`;
  const channel = `${prefix}{rev}:events`;

  /** Waits out a connection attempt in progress (start-up, reconnect) instead of failing during it. */
  async function settled(): Promise<void> {
    if (redis.status !== "connecting" && redis.status !== "connect" && redis.status !== "wait") return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const e of ["ready", "close", "end", "error"]) redis.off(e, done);
        resolve();
      };
      const timer = setTimeout(done, connectTimeout);
      for (const e of ["ready", "close", "end", "error"]) redis.once(e, done);
    });
  }

  async function call<T>(op: () => Promise<T>): Promise<T> {
    await settled();
    try {
      return await op();
    } catch (error) {
      // A reply error is Redis answering (a bug on our side); anything else means it did not answer.
      if (error instanceof Error && error.name === "ReplyError") throw error;
      throw new StoreUnavailableError("redis", redis.status === "ready" ? error : (connectionError ?? error));
    }
  }

  async function readEvents(after: string | undefined, limit: number, onlyLive: boolean) {
    const out: { id: string; event: string }[] = [];
    let start = after !== undefined && STREAM_ID.test(after) ? `(${after}` : "-";
    const page = Math.max(limit, 100);
    while (out.length < limit) {
      const entries = await call(() => redis.xrange(stream, start, "+", "COUNT", page));
      const now = Date.now();
      for (const [id, fields] of entries) {
        const at = fields.indexOf("event");
        const event = at >= 0 ? fields[at + 1] : undefined;
        if (event !== undefined && (!onlyLive || live(event, now))) out.push({ id, event });
        if (out.length === limit) break;
      }
      const last = entries.at(-1);
      if (!last || entries.length < page) break;
      start = `(${last[0]}`;
    }
    return out;
  }

  const listeners = new Set<(id: string, event: string) => void>();
  let subscriber: Redis | undefined;
  let lastSeen: string | undefined;
  let delivering: Promise<void> = Promise.resolve();

  /** Delivers what the stream holds after the last event delivered; messages are only a wake-up. */
  function deliver(): void {
    const subscription = subscriber;
    delivering = delivering
      .then(async () => {
        if (!subscription || subscription !== subscriber || !listeners.size) return;
        const after = lastSeen ?? (await startCursor());
        const events = await readEvents(after, 1000, false);
        if (subscription !== subscriber || !listeners.size) return;
        lastSeen = events.at(-1)?.id ?? after;
        for (const { id, event } of events) for (const listener of listeners) listener(id, event);
        if (events.length === 1000) deliver();
      })
      .catch(() => {
        // The stream could not be read (Redis is coming back, this connection later than the
        // subscriber's): read again shortly, or an event announced meanwhile would wait for the next.
        if (subscription === subscriber && listeners.size) retryDelivery();
      });
  }

  let retryTimer: NodeJS.Timeout | undefined;
  function retryDelivery(): void {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      deliver();
    }, 250);
    retryTimer.unref();
  }

  // Start a second back in Redis's own clock (stream ids are its milliseconds): an event
  // appended by another process while this subscription is being set up is still
  // delivered. Listeners may so hear an event from just before they subscribed.
  async function startCursor(): Promise<string> {
    const [s, us] = await call(() => redis.time());
    return `${Number(s) * 1000 + Math.floor(Number(us) / 1000) - 1000}-0`;
  }

  function subscribe(): void {
    const overrides = { enableOfflineQueue: true, autoResubscribe: true, commandTimeout: undefined };
    // Cluster.duplicate takes start-up nodes first.
    const sub = cluster
      ? (cluster.duplicate([], {
          enableOfflineQueue: true,
          redisOptions: { ...connection, ...overrides },
        }) as unknown as Redis)
      : redis.duplicate(overrides);
    subscriber = sub;
    sub.on("error", () => {});
    sub.on("message", (from: string) => {
      if (from === channel) deliver();
    });
    // After a reconnect, catch up on what was appended while disconnected.
    sub.on("ready", deliver);
    sub.subscribe(channel).then(deliver, () => {});
    deliver();
  }

  function unsubscribe(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    subscriber?.disconnect();
    subscriber = undefined;
    lastSeen = undefined;
  }

  return {
    kind: "redis",
    async get(ns, key) {
      return (await call(() => redis.get(value(ns, key)))) ?? undefined;
    },
    async set(ns, key, v, ttl) {
      await call(() => redis.set(value(ns, key), v, "PX", ttlMs(ttl)));
    },
    async setIfAbsent(ns, key, v, ttl) {
      return (await call(() => redis.set(value(ns, key), v, "PX", ttlMs(ttl), "NX"))) === "OK";
    },
    async consume(ns, key) {
      return (await call(() => redis.getdel(value(ns, key)))) ?? undefined;
    },
    async delete(ns, key) {
      return (await call(() => redis.del(value(ns, key)))) > 0;
    },
    async increment(ns, key, ttl) {
      return Number(await call(() => scripts.fdIncrement(value(ns, key), ttlMs(ttl))));
    },
    async addToSet(ns, key, member, ttl) {
      await call(() => scripts.fdAddToSet(set(ns, key), member, ttlMs(ttl)));
    },
    async removeFromSet(ns, key, member) {
      await call(() => redis.srem(set(ns, key), member));
    },
    async setMembers(ns, key) {
      return (await call(() => redis.smembers(set(ns, key)))).sort();
    },
    async appendEvent(event) {
      // Expiry is the event's own `expires_at` (the feed contract), so the TTL argument is not stored.
      return call(() => scripts.fdAppendEvent(stream, event, channel, maxLen));
    },
    eventsSince(cursor, limit) {
      return readEvents(cursor, limit, true);
    },
    onEvent(listener) {
      if (!listeners.size) lastSeen = undefined;
      listeners.add(listener);
      // The subscriber connection stays open until close(): long-poll requests come and go.
      if (subscriber) deliver();
      else subscribe();
      return () => {
        listeners.delete(listener);
      };
    },
    async ping() {
      await call(() => redis.ping());
    },
    async close() {
      listeners.clear();
      unsubscribe();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
