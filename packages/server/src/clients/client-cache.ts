import type { ClientRecord, DurableStore } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { newId } from "../tokens/opaque.js";

/**
 * How long a client record read for authentication or introspection is reused, in
 * milliseconds. A client deleted in any process is refused at once all the same: its
 * deletion writes a revocation marker to the shared fast store, which authentication
 * and revocation checks read on every call. A client changed in any process (update,
 * secret rotation) is re-read at once too: the change writes a new generation marker
 * to the fast store, and a cached record read under another generation is not used.
 * Unknown ids are never cached, so a new client works at once.
 */
export const CLIENT_CACHE_MS = 1000;
const CLIENT_CACHE_MAX = 1000;
const NS_CHANGED = "client-changed";
/** A change marker outlives every record cached before the change (then its absence is as good). */
const CHANGE_MARKER_TTL = Math.ceil(CLIENT_CACHE_MS / 1000) + 60;

interface CachedClient {
  client: ClientRecord;
  until: number;
  /** The change marker when the record was read (undefined: none). */
  generation: string | undefined;
}

/** One small cache per durable store (each server process has one store). */
const clientCaches = new WeakMap<DurableStore, Map<string, CachedClient>>();

/**
 * The client record, from the cache when it is fresh and no process changed the
 * client since (`fast`, the shared fast store, holds the change markers).
 */
export async function cachedClient(
  durable: DurableStore,
  fast: Pick<FastStore, "get">,
  id: string,
): Promise<ClientRecord | undefined> {
  let cache = clientCaches.get(durable);
  if (!cache) {
    cache = new Map();
    clientCaches.set(durable, cache);
  }
  // Read the marker before the record: a change writes the record before the marker.
  const generation = await fast.get(NS_CHANGED, id);
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.until > now && hit.generation === generation) return hit.client;
  const client = await durable.clients.get(id);
  if (!client) {
    cache.delete(id);
    return undefined;
  }
  if (cache.size >= CLIENT_CACHE_MAX) cache.clear();
  cache.set(id, { client, until: now + CLIENT_CACHE_MS, generation });
  return client;
}

/** Drops a cached client record (after deleting or changing the client in this process). */
export function forgetClient(durable: DurableStore, id: string): void {
  clientCaches.get(durable)?.delete(id);
}

/**
 * After changing a stored client: drops it from this process's cache and tells every
 * process sharing the fast store to read it again.
 */
export async function clientChanged(
  ctx: { durable: DurableStore; fast: Pick<FastStore, "set"> },
  id: string,
): Promise<void> {
  forgetClient(ctx.durable, id);
  await ctx.fast.set(NS_CHANGED, id, newId(), CHANGE_MARKER_TTL);
}
