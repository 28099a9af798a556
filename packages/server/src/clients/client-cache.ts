import type { ClientRecord, DurableStore } from "../storage/durable/types.js";

/**
 * How long a client record read for authentication or introspection is reused, in
 * milliseconds. A client deleted in any process is refused at once all the same: its
 * deletion writes a revocation marker to the shared fast store, which authentication
 * and revocation checks read on every call. Other changes are seen within this bound.
 * Unknown ids are never cached, so a new client works at once.
 */
export const CLIENT_CACHE_MS = 1000;
const CLIENT_CACHE_MAX = 1000;

interface CachedClient {
  client: ClientRecord;
  until: number;
}

/** One small cache per durable store (each server process has one store). */
const clientCaches = new WeakMap<DurableStore, Map<string, CachedClient>>();

export async function cachedClient(durable: DurableStore, id: string): Promise<ClientRecord | undefined> {
  let cache = clientCaches.get(durable);
  if (!cache) {
    cache = new Map();
    clientCaches.set(durable, cache);
  }
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.until > now) return hit.client;
  const client = await durable.clients.get(id);
  if (!client) {
    cache.delete(id);
    return undefined;
  }
  if (cache.size >= CLIENT_CACHE_MAX) cache.clear();
  cache.set(id, { client, until: now + CLIENT_CACHE_MS });
  return client;
}

/** Drops a cached client record (after deleting or changing the client in this process). */
export function forgetClient(durable: DurableStore, id: string): void {
  clientCaches.get(durable)?.delete(id);
}
