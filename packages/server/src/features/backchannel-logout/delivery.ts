import { outboundRequest } from "../../outbound/fetch.js";
import type { CoreServices } from "../contract.js";
import { signLogoutToken } from "./logout-token.js";
import type { OutboxEntry } from "./outbox.js";

/** How one attempt ended: delivered (2xx), worth retrying, or pointless to retry. */
export type DeliveryOutcome =
  | { result: "delivered" }
  | { result: "failed"; error: string }
  | { result: "dropped"; reason: string };

/** Sends one outbox entry's logout token. */
export type Deliver = (entry: OutboxEntry) => Promise<DeliveryOutcome>;

/**
 * Delivers with the client's current registration: a fresh logout token (same `jti`)
 * POSTed as `logout_token=…` to its `backchannel_logout_uri` through the outbound
 * guard. A client deleted or without a URI since is dropped, not retried.
 */
export function logoutTokenDelivery(
  ctx: Pick<CoreServices, "config" | "durable" | "keys" | "outbound">,
  options: { timeoutMs: number; tokenTtl: number },
): Deliver {
  return async (entry) => {
    const client = await ctx.durable.clients.get(entry.clientId);
    const uri = client?.metadata.backchannelLogoutUri;
    if (!client || client.disabled || !uri)
      return { result: "dropped", reason: "the client is gone or has no backchannel_logout_uri" };
    const token = await signLogoutToken(ctx.keys, ctx.config.issuer, {
      client,
      sid: entry.sid,
      sub: entry.sub,
      jti: entry.jti,
      iat: Math.floor(Date.now() / 1000),
      ttl: options.tokenTtl,
    });
    try {
      const answer = await outboundRequest(uri, ctx.outbound, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "cache-control": "no-store" },
        body: new URLSearchParams({ logout_token: token }).toString(),
        timeoutMs: options.timeoutMs,
        maxBytes: 16 * 1024,
      });
      if (answer.status >= 200 && answer.status < 300) return { result: "delivered" };
      return { result: "failed", error: `answered ${answer.status}` };
    } catch (error) {
      return { result: "failed", error: error instanceof Error ? error.message : String(error) };
    }
  };
}
