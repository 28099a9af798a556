import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientSecretBasic } from "../http/client-auth.js";
import type { RevocationEvent } from "../revocation/event.js";
import { nowSeconds } from "./mint.js";

/** A feed the endpoint handed credentials to; `applied`: the last cursor it asked with. */
interface Follower {
  readonly clientId: string;
  readonly clientSecret: string;
  applied: number;
  open: boolean;
}

/** An event as the feed serves it, with its cursor. */
export type FeedEvent = RevocationEvent & { id: string };

interface Delivery {
  readonly id: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_WAIT_SECONDS = 25;
const MAX_EVENTS = 1000;

/**
 * The server side of the HTTP revocation feed (docs/revocation-feed.md), in memory: a snapshot without
 * `cursor` (with `reset: true`), live events after a cursor, long-polls held up to `wait` seconds.
 *
 * A feed that asks with cursor N has applied every event up to N (the guard's feed moves its cursor only
 * after adding the events to its set), which is how {@link publish} knows when every follower has a
 * revocation.
 */
export class RevocationFeedEndpoint {
  readonly #events: FeedEvent[] = [];
  readonly #followers = new Map<string, Follower>();
  readonly #waiting = new Set<() => void>();
  readonly #deliveries = new Set<Delivery>();
  #closed = false;

  /** New client credentials for one feed; `leave` when that feed closes, so deliveries stop waiting for it. */
  follow(): { clientId: string; clientSecret: string; leave: () => void } {
    const clientId = `revocation-feed-${this.#followers.size + 1}`;
    const follower: Follower = {
      clientId,
      clientSecret: randomBytes(16).toString("hex"),
      applied: 0,
      open: true,
    };
    this.#followers.set(clientSecretBasic(follower.clientId, follower.clientSecret), follower);
    const leave = () => {
      follower.open = false;
      this.#settle();
    };
    return { clientId, clientSecret: follower.clientSecret, leave };
  }

  /** Appends an event and resolves once every open follower has applied it (rejects after `timeout` ms). */
  publish(event: Omit<RevocationEvent, "id">, timeout: number): Promise<FeedEvent> {
    if (this.#closed) return Promise.reject(new Error("the test issuer is closed"));
    const id = this.#events.length + 1;
    const stored: FeedEvent = { ...event, id: String(id) };
    this.#events.push(stored);
    this.#wake();
    return new Promise<void>((resolve, reject) => {
      const delivery: Delivery = {
        id,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#deliveries.delete(delivery);
          const behind = [...this.#followers.values()].filter((f) => f.open && f.applied < id).length;
          reject(new Error(`${behind} revocation feed(s) did not apply event ${id} within ${timeout} ms`));
        }, timeout),
      };
      this.#deliveries.add(delivery);
      this.#settle();
    }).then(() => stored);
  }

  /** Answers `GET /revocations`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const follower = this.#followers.get(req.headers.authorization ?? "");
    if (!follower) return answer(res, 401, { error: "invalid_client" });
    const cursor = url.searchParams.get("cursor");
    if (cursor === null || !/^\d+$/.test(cursor)) {
      return answer(res, 200, { events: this.#live(0), cursor: String(this.#events.length), reset: true });
    }
    follower.applied = Math.max(follower.applied, Number(cursor));
    this.#settle();
    const wait = Math.min(MAX_WAIT_SECONDS, Number(url.searchParams.get("wait")) || 0);
    if (this.#live(Number(cursor)).length === 0 && wait > 0) await this.#hold(res, wait);
    const events = this.#live(Number(cursor)).slice(0, MAX_EVENTS);
    answer(res, 200, { events, cursor: events.at(-1)?.id ?? cursor });
  }

  /** Ends every long-poll and fails the deliveries still waiting. */
  close(): void {
    this.#closed = true;
    this.#wake();
    for (const delivery of this.#deliveries) {
      clearTimeout(delivery.timer);
      delivery.reject(new Error("the test issuer closed before every feed applied the revocation"));
    }
    this.#deliveries.clear();
  }

  #live(after: number): FeedEvent[] {
    const now = nowSeconds();
    return this.#events.filter((e) => Number(e.id) > after && e.expires_at > now);
  }

  #hold(res: ServerResponse, seconds: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      timer.unref();
      this.#waiting.add(done);
      res.on("close", done);
      const waiting = this.#waiting;
      function done() {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      }
    });
  }

  #wake(): void {
    for (const done of [...this.#waiting]) done();
  }

  #settle(): void {
    const open = [...this.#followers.values()].filter((f) => f.open);
    for (const delivery of this.#deliveries) {
      if (open.some((f) => f.applied < delivery.id)) continue;
      clearTimeout(delivery.timer);
      this.#deliveries.delete(delivery);
      delivery.resolve();
    }
  }
}

/** A JSON answer with `Cache-Control: no-store`, unless the client has gone. */
export function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
