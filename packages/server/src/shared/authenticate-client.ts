import type { FastifyRequest } from "fastify";
import { cachedClient } from "../clients/client-cache.js";
import { clientSecretMatches } from "../clients/secrets.js";
import type { Context } from "../context.js";
import { InvalidClient, InvalidRequest } from "../errors/oauth-errors.js";
import type { ClientRecord } from "../storage/durable/types.js";

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
 * Authenticates the calling client by its registered method (client_secret_basic,
 * client_secret_post, or none for public clients). Every failure is
 * `invalid_client`, with no hint whether the id or the secret was wrong.
 */
export async function authenticateClient(
  request: FastifyRequest,
  params: Record<string, string>,
  ctx: Pick<Context, "durable" | "revocations">,
): Promise<ClientRecord> {
  const p = presented(request, params);
  const basic = p.method === "client_secret_basic";
  // The record may come from the short client cache; a deletion's revocation marker
  // (in the fast store, shared by every process) takes effect at once all the same.
  const [client, revoked] = await Promise.all([
    cachedClient(ctx.durable, p.clientId),
    ctx.revocations.isClientRevoked(p.clientId),
  ]);
  if (!client || client.disabled || revoked) throw new InvalidClient("client authentication failed", basic);
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
