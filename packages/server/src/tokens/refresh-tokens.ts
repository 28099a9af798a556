import type { Revocations } from "../revocation/revocations.js";
import type { DurableStore, RefreshFamilyRecord, RefreshTokenRecord } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import { hashToken, newId, newOpaqueToken } from "./opaque.js";

/** What a refresh-token family carries from the grant it was born of. */
export type RefreshGrantData = Pick<
  RefreshTokenRecord,
  "clientId" | "userId" | "scopes" | "sid" | "authTime" | "acr" | "amr"
> & { idp?: string | null };

export type RotationResult<T> =
  | { ok: true; token: string; record: RefreshTokenRecord; prepared: T }
  | { ok: false; reason: "unknown" | "wrong_client" | "wrong_key" | "expired" | "revoked" | "reused" };

const NS_FAMILY_JTIS = "family-jtis";
const now = () => Math.floor(Date.now() / 1000);

/**
 * Refresh tokens: opaque (256 bits), stored as hashes, in families. Every use
 * rotates; presenting a rotated token again revokes the whole family, and with it
 * the access tokens the family issued (tracked as jtis in the fast store).
 */
export class RefreshTokens {
  constructor(
    private readonly durable: DurableStore,
    private readonly fast: FastStore,
    private readonly revocations: Revocations,
    private readonly lifetimes: { idle: number; absolute: number; accessToken: number },
  ) {}

  /** Starts a family (at code redemption), bound to a DPoP key when `dpopJkt` is given (RFC 9449 5). */
  async issue(
    data: RefreshGrantData,
    dpopJkt: string | null = null,
    familyId = newId(),
  ): Promise<{ token: string; familyId: string }> {
    const t = now();
    const family: RefreshFamilyRecord = {
      id: familyId,
      clientId: data.clientId,
      userId: data.userId,
      createdAt: t,
      expiresAt: t + this.lifetimes.absolute,
      revokedAt: null,
      dpopJkt,
    };
    await this.durable.refreshTokens.createFamily(family);
    const token = newOpaqueToken();
    await this.durable.refreshTokens.insert(this.record(token, familyId, data, t, family.expiresAt));
    return { token, familyId };
  }

  /**
   * Exchanges a refresh token for its successor. `prepare` runs after every check
   * and before the rotation is committed, so whatever it needs (issuing the access
   * token, writing to the fast store) fails before anything changed. Reuse, or
   * losing a race for the same token, revokes the family. A family bound to a DPoP
   * key needs `provenJkt` to be that key's; without it nothing changes, not even reuse
   * detection: whoever lacks the key can neither use the token nor revoke its family.
   */
  async rotate<T>(
    presented: string,
    clientId: string,
    provenJkt: string | undefined,
    prepare: (successor: RefreshTokenRecord, token: string) => Promise<T>,
  ): Promise<RotationResult<T>> {
    const current = await this.durable.refreshTokens.get(hashToken(presented));
    if (!current) return { ok: false, reason: "unknown" };
    if (current.clientId !== clientId) return { ok: false, reason: "wrong_client" };
    const family = await this.durable.refreshTokens.getFamily(current.familyId);
    const t = now();
    if (!family || family.revokedAt !== null) return { ok: false, reason: "revoked" };
    if (family.dpopJkt !== null && family.dpopJkt !== provenJkt) return { ok: false, reason: "wrong_key" };
    if (current.rotatedAt !== null) {
      await this.revokeFamily(family.id);
      return { ok: false, reason: "reused" };
    }
    if (t >= current.expiresAt || t >= family.expiresAt) return { ok: false, reason: "expired" };
    const token = newOpaqueToken();
    const successor = this.record(token, family.id, current, t, family.expiresAt);
    const prepared = await prepare(successor, token);
    if (!(await this.durable.refreshTokens.rotate(current.tokenHash, t, successor))) {
      // Another request rotated the same token first: that is reuse too (and kills what `prepare` issued).
      await this.revokeFamily(family.id);
      return { ok: false, reason: "reused" };
    }
    return { ok: true, token, record: successor, prepared };
  }

  /** Remembers an access token issued by a family, so revoking the family revokes it. */
  async trackAccessToken(familyId: string, jti: string, exp: number): Promise<void> {
    await this.fast.addToSet(NS_FAMILY_JTIS, familyId, `${jti} ${exp}`, this.lifetimes.accessToken + 60);
  }

  /** Revokes a family and the access tokens it issued. */
  async revokeFamily(familyId: string): Promise<boolean> {
    const revoked = await this.durable.refreshTokens.revokeFamily(familyId, now());
    for (const entry of await this.fast.setMembers(NS_FAMILY_JTIS, familyId)) {
      const [jti, exp] = entry.split(" ");
      if (jti && exp) await this.revocations.revokeAccessToken(jti, Number(exp));
    }
    return revoked;
  }

  async revokeFamiliesOf(filter: { userId?: string; clientId?: string; sid?: string }): Promise<number> {
    const ids = await this.durable.refreshTokens.revokeFamiliesOf(filter, now());
    for (const id of ids) await this.revokeFamily(id);
    return ids.length;
  }

  /** The record behind a presented token, if it is live (introspection). */
  async lookup(
    presented: string,
  ): Promise<{ record: RefreshTokenRecord; family: RefreshFamilyRecord } | undefined> {
    const record = await this.durable.refreshTokens.get(hashToken(presented));
    if (!record || record.rotatedAt !== null) return undefined;
    const family = await this.durable.refreshTokens.getFamily(record.familyId);
    const t = now();
    if (!family || family.revokedAt !== null || t >= record.expiresAt || t >= family.expiresAt)
      return undefined;
    return { record, family };
  }

  private record(
    token: string,
    familyId: string,
    data: RefreshGrantData,
    t: number,
    familyExpiresAt: number,
  ): RefreshTokenRecord {
    return {
      tokenHash: hashToken(token),
      familyId,
      clientId: data.clientId,
      userId: data.userId,
      scopes: data.scopes,
      sid: data.sid,
      authTime: data.authTime,
      acr: data.acr,
      amr: data.amr,
      idp: data.idp ?? null,
      issuedAt: t,
      expiresAt: Math.min(t + this.lifetimes.idle, familyExpiresAt),
      rotatedAt: null,
    };
  }
}
