import type { DurableStore } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { type AccessTokenClaims, GATEWAY_CLIENT_ID } from "../tokens/access-token.js";
import type { RevocationEvent } from "./events.js";

const NS_JTI = "revoked-jti";
const NS_SID = "ended-sid";

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

  /** Every token of a user issued until now (user revoke, disable, password change). */
  async revokeSubject(sub: string): Promise<number> {
    const before = this.now();
    await this.durable.users.update(sub, { tokensRevokedBefore: before });
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

  /** Tokens of a deleted or disabled client. */
  async revokeClient(clientId: string): Promise<void> {
    await this.emit({ type: "client", value: clientId, expires_at: this.now() + this.horizon });
  }

  /** Whether a verified access token has been revoked by any of the above. */
  async isRevoked(claims: AccessTokenClaims): Promise<boolean> {
    const checks = await Promise.all([
      this.fast.get(NS_JTI, claims.jti),
      claims.sid ? this.fast.get(NS_SID, claims.sid) : undefined,
      claims.client_id === GATEWAY_CLIENT_ID ? undefined : this.durable.clients.get(claims.client_id),
      claims.sub !== claims.client_id ? this.durable.users.get(claims.sub) : undefined,
    ]);
    const [jti, sid, client, user] = checks;
    if (jti || sid) return true;
    if (claims.client_id !== GATEWAY_CLIENT_ID && (!client || client.disabled)) return true;
    if (
      user &&
      (user.disabled || (user.tokensRevokedBefore !== null && claims.iat <= user.tokensRevokedBefore))
    )
      return true;
    return false;
  }
}
