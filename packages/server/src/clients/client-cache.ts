import type { ClientRecord, DurableStore } from "../storage/durable/types.js";

/**
 * How long a client record read for authentication or introspection is reused, in
 * milliseconds. A client deleted or changed (secret, grant types, scopes) in any
 * process is seen by every process within this bound; tokens it already holds are
 * refused at once through the revocation marker its deletion writes to the fast
 * store. Unknown ids are never cached, so a new client works at once.
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
