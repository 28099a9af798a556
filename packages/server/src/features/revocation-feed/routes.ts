import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { InsufficientScope, InvalidClient, InvalidRequest } from "../../errors/oauth-errors.js";
import { singleValued } from "../../oauth/params.js";
import type { FeedEvent } from "../../revocation/events.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";

export const FEED_SCOPE = "revocation_feed";
export const REVOCATION_FEED_PATH = "/revocations";
const MAX_WAIT = 25;
const PAGE = 1000;

async function page(
  ctx: Pick<CoreServices, "fast">,
  cursor: string | undefined,
): Promise<{ events: FeedEvent[]; cursor: string }> {
  const rows = await ctx.fast.eventsSince(cursor, PAGE);
  const events = rows.map((row) => ({ id: row.id, ...(JSON.parse(row.event) as Omit<FeedEvent, "id">) }));
  return { events, cursor: rows.at(-1)?.id ?? cursor ?? "0" };
}

/** What ends every long-poll at once: set when the server starts shutting down. */
interface Closing {
  started: boolean;
  waiting: Set<() => void>;
}

/**
 * A signal that an event was appended (by any process sharing the store), that the
 * client went away, or that the server is shutting down. Subscribe before reading: a
 * signal that comes while the first page is read is kept, so the wait then ends at once.
 */
function watchEvents(ctx: Pick<CoreServices, "fast">, reply: FastifyReply, closing: Closing) {
  let woken = closing.started;
  let wake: () => void = () => {};
  const rouse = () => {
    woken = true;
    wake();
  };
  const unsubscribe = ctx.fast.onEvent(rouse);
  const close = () => {
    unsubscribe();
    rouse();
  };
  // The response closes early when the client goes away: stop waiting then.
  reply.raw.once("close", close);
  closing.waiting.add(rouse);
  return {
    /** Resolves at the next signal (or at once if one came since subscribing), or after `seconds`. */
    wait(seconds: number): Promise<void> {
      if (woken) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => wake(), seconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    stop() {
      closing.waiting.delete(rouse);
      reply.raw.off("close", close);
      unsubscribe();
    },
  };
}

/**
 * The revocation feed for guards (docs/revocation-feed.md): long-poll with a cursor,
 * for clients registered with the `revocation_feed` scope. Without a cursor it
 * answers every event still in force, so a guard that was offline catches up.
 */
export function revocationFeedRoutes(
  ctx: Pick<CoreServices, "fast">,
): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, { registry }) => {
    // Long-polls answer at once when the server shuts down, so a graceful stop is quick.
    const closing: Closing = { started: false, waiting: new Set() };
    app.addHook("preClose", async () => {
      closing.started = true;
      for (const wake of closing.waiting) wake();
    });
    app.get(REVOCATION_FEED_PATH, async (request, reply) => {
      const query = singleValued(request.query, "query");
      const client = await registry.clientAuth.authenticate(request, {});
      if (client.tokenEndpointAuthMethod === "none")
        throw new InvalidClient("public clients cannot read the feed");
      if (!client.scopes.includes(FEED_SCOPE))
        throw new InsufficientScope(FEED_SCOPE, "client lacks the revocation_feed scope");
      const wait = query.wait === undefined ? 0 : Number(query.wait);
      if (!Number.isInteger(wait) || wait < 0)
        throw new InvalidRequest("wait must be a non-negative integer");
      let cursor = query.cursor;
      let reset = false;
      if (cursor !== undefined && !/^[0-9]+(-[0-9]+)?$/.test(cursor)) {
        cursor = undefined;
        reset = true;
      }
      const watcher = cursor !== undefined && wait > 0 ? watchEvents(ctx, reply, closing) : undefined;
      try {
        let result = await page(ctx, cursor);
        if (!result.events.length && watcher) {
          await watcher.wait(Math.min(wait, MAX_WAIT));
          result = await page(ctx, cursor);
        }
        return reply
          .header("cache-control", "no-store")
          .send({ ...result, ...(reset || cursor === undefined ? { reset: true } : {}) });
      } finally {
        watcher?.stop();
      }
    });
  };
}
