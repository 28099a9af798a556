import type { FastifyRequest } from "fastify";
import { clientSecretMatches } from "../clients/secrets.js";
import { InvalidClient, InvalidRequest } from "../errors/oauth-errors.js";
import type { ClientRecord, DurableStore } from "../storage/durable/types.js";

interface Presented {
  method: "client_secret_basic" | "client_secret_post" | "none";
  clientId: string;
  secret?: string;
}

function fromBasic(header: string): Presented {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || !/^[A-Za-z0-9+/]+=*$/.test(encoded))
    throw new InvalidClient("malformed Basic credentials", true);
  try {
    // RFC 6749 2.3.1: both parts are form-urlencoded before Base64.
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return {
      method: "client_secret_basic",
      clientId: decode(decoded.slice(0, colon)),
      secret: decode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClient("malformed Basic credentials", true);
  }
}

function presented(request: FastifyRequest, params: Record<string, string>): Presented {
  const header = request.headers.authorization;
  const basic = header !== undefined && /^basic(\s|$)/i.test(header);
  if (basic && (params.client_secret !== undefined || params.client_assertion !== undefined))
    throw new InvalidRequest("use exactly one client authentication method");
  if (basic) {
    const fromHeader = fromBasic(header);
    if (params.client_id !== undefined && params.client_id !== fromHeader.clientId)
      throw new InvalidRequest("client_id does not match the authenticated client");
    return fromHeader;
  }
  const clientId = params.client_id;
  if (clientId === undefined) throw new InvalidClient("client authentication is required");
  if (params.client_secret !== undefined)
    return { method: "client_secret_post", clientId, secret: params.client_secret };
  return { method: "none", clientId };
}

/**
 * How long a client record read for authentication is reused, in milliseconds. A client
 * deleted, disabled or changed (secret, grant types, scopes) in any process is seen by
 * every process within this bound (well under the default keyRefreshInterval of 5 s);
 * tokens it already holds are refused at once by the revocation checks, which do not
 * use this cache. Unknown ids are never cached, so a new client works at once.
 */
export const CLIENT_CACHE_MS = 1000;
const CLIENT_CACHE_MAX = 1000;

interface CachedClient {
  client: ClientRecord;
  until: number;
}

/** One small cache per durable store (each server process has one store). */
const clientCaches = new WeakMap<DurableStore, Map<string, CachedClient>>();

async function getClient(durable: DurableStore, id: string): Promise<ClientRecord | undefined> {
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

/**
 * Authenticates the calling client by its registered method (client_secret_basic,
 * client_secret_post, or none for public clients). Every failure is
 * `invalid_client`, with no hint whether the id or the secret was wrong.
 */
export async function authenticateClient(
  request: FastifyRequest,
  params: Record<string, string>,
  durable: DurableStore,
): Promise<ClientRecord> {
  const p = presented(request, params);
  const basic = p.method === "client_secret_basic";
  const client = await getClient(durable, p.clientId);
  if (!client || client.disabled) throw new InvalidClient("client authentication failed", basic);
  if (client.tokenEndpointAuthMethod === "none") {
    if (p.method !== "none")
      throw new InvalidClient("public clients do not authenticate with a secret", basic);
    return client;
  }
  if (p.method === "none") throw new InvalidClient("client authentication is required");
  const methodOk =
    p.method === client.tokenEndpointAuthMethod ||
    (p.method === "client_secret_post" && client.tokenEndpointAuthMethod === "client_secret_basic") ||
    (p.method === "client_secret_basic" && client.tokenEndpointAuthMethod === "client_secret_post");
  if (!methodOk || !clientSecretMatches(p.secret ?? "", client.secretHash))
    throw new InvalidClient("client authentication failed", basic);
  return client;
}
