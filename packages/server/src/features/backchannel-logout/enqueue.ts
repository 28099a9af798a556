import type { EndedSession } from "../../sessions/sessions.js";
import type { CoreServices } from "../contract.js";
import type { LogoutOutbox } from "./outbox.js";

/**
 * Enqueues one logout per client that got tokens in the ended session (the session's
 * client set in the fast store) and registered a `backchannel_logout_uri`. Only
 * writes: delivery is the worker's, so the person's own sign-out never waits on a
 * relying party. Returns how many entries it added.
 */
export async function enqueueLogouts(
  ctx: Pick<CoreServices, "durable" | "sessions">,
  outbox: LogoutOutbox,
  ended: EndedSession,
): Promise<number> {
  const clientIds = await ctx.sessions.clientsOf(ended.sid);
  const targets: string[] = [];
  for (const clientId of clientIds) {
    const client = await ctx.durable.clients.get(clientId);
    if (client && !client.disabled && client.metadata.backchannelLogoutUri) targets.push(client.id);
  }
  await outbox.enqueue(
    targets.map((clientId) => ({ clientId, sid: ended.sid, sub: ended.userId })),
    Date.now(),
  );
  return targets.length;
}
