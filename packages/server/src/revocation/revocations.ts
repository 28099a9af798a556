import { cachedClient } from "../clients/client-cache.js";
import type { DurableStore } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { type AccessTokenClaims, type AccessTokens, GATEWAY_CLIENT_ID } from "../tokens/access-token.js";
import type { RevocationEvent } from "./events.js";

const NS_JTI = "revoked-jti";
const NS_SID = "ended-sid";
const NS_SUB = "revoked-sub";
const NS_CLIENT = "revoked-client";
const GATEWAY = { disabled: false };

/**
 * Records revocations where the server checks them (fast store, user record) and
 * emits each as an event for the guards' revocation feed.
 */
export class Revocations {
  constructor(
    private readonly fast: FastStore,
    private readonly durable: DurableStore,
    /** Longest access-token lifetime: how long an event can matter. */
    private readonly horizon: number,
  ) {}

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private async emit(event: RevocationEvent): Promise<void> {
    await this.fast.appendEvent(JSON.stringify(event), Math.max(1, event.expires_at - this.now()));
  }

  /** One access token, until it would have expired anyway. */
  async revokeAccessToken(jti: string, exp: number): Promise<void> {
    const ttl = exp - this.now();
    if (ttl <= 0) return;
    await this.fast.set(NS_JTI, jti, "1", ttl);
    await this.emit({ type: "jti", value: jti, expires_at: exp });
  }

  /** Every token of a user issued until now (user revoke, disable; password change once it exists). */
  async revokeSubject(sub: string): Promise<number> {
    const before = this.now();
    await this.durable.users.update(sub, { tokensRevokedBefore: before });
    await this.fast.set(NS_SUB, sub, String(before), this.horizon);
    await this.emit({ type: "sub", value: sub, before, expires_at: before + this.horizon });
    return before;
  }

  /** Tokens bound to a session that has ended. */
  async endSession(sid: string): Promise<void> {
    await this.fast.set(NS_SID, sid, "1", this.horizon);
    await this.emit({ type: "sid", value: sid, expires_at: this.now() + this.horizon });
  }

  async isSessionEnded(sid: string): Promise<boolean> {
    return (await this.fast.get(NS_SID, sid)) !== undefined;
  }

  /** Whether a client was deleted or disabled within the last token lifetime (any process). */
  async isClientRevoked(clientId: string): Promise<boolean> {
    return (await this.fast.get(NS_CLIENT, clientId)) !== undefined;
  }

  /** Tokens of a deleted or disabled client. */
  async revokeClient(clientId: string): Promise<void> {
    await this.fast.set(NS_CLIENT, clientId, "1", this.horizon);
    await this.emit({ type: "client", value: clientId, expires_at: this.now() + this.horizon });
  }

  /**
   * Whether a verified access token has been revoked by any of the above. Every
   * revocation leaves a marker in the fast store for as long as a token it affects can
   * live (the same O(1) lookups the guards do); the issuing client must still exist.
   */
  async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    const [jti, sid, clientRevoked, sub, client] = await Promise.all([
      this.fast.get(NS_JTI, claims.jti),
      claims.sid ? this.fast.get(NS_SID, claims.sid) : undefined,
      this.fast.get(NS_CLIENT, claims.client_id),
      this.fast.get(NS_SUB, claims.sub),
      claims.client_id === GATEWAY_CLIENT_ID
        ? GATEWAY
        : cachedClient(this.durable, this.fast, claims.client_id),
    ]);
    if (jti !== undefined || sid !== undefined || clientRevoked !== undefined) return true;
    if (!client || client.disabled) return true;
    return sub !== undefined && claims.iat <= Number(sub);
  }
}

/**
 * The claims of a Frontdesk access token that verifies (signature, `typ`, `iss`,
 * expiry) and is not revoked; undefined otherwise.
 */
export async function liveAccessToken(
  ctx: { accessTokens: AccessTokens; revocations: Revocations },
  token: string,
): Promise<AccessTokenClaims | undefined> {
  const claims = await ctx.accessTokens.verify(token);
  if (!claims || (await ctx.revocations.isRevoked(claims))) return undefined;
  return claims;
}
