import type { FastStore } from "../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "./opaque.js";

/** What an authorization code stands for. */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  userId: string;
  sid: string;
  authTime: number;
  amr: string[];
  acr: string | null;
  /** The upstream provider of the sign-in (absent: a local one). */
  idp?: string;
  nonce: string | null;
  audience: string;
  /** `dpop_jkt` of the request (RFC 9449 10): the code is redeemed only with a proof of that key. */
  dpopJkt?: string;
}

/** What was issued from a redeemed code, so a replay can revoke it. */
export interface IssuedFromCode {
  familyId?: string;
  jti: string;
  exp: number;
}

const NS = "code";
const NS_USED = "code-used";
const NS_REPLAYED = "code-replayed";

/** Single-use authorization codes in the fast store, keyed by their hash. */
export class AuthorizationCodes {
  constructor(
    private readonly fast: FastStore,
    private readonly ttl: number,
    /** How long a redeemed code is remembered for replay detection. */
    private readonly replayWindow: number,
  ) {}

  async issue(grant: CodeGrant): Promise<string> {
    const code = newOpaqueToken();
    await this.fast.set(NS, hashToken(code), JSON.stringify(grant), this.ttl);
    return code;
  }

  /**
   * Redeems a code: of any number of concurrent calls exactly one gets the grant.
   * A code seen before comes back as `replayed` with what it issued.
   */
  async redeem(
    code: string,
  ): Promise<{ grant: CodeGrant } | { replayed: IssuedFromCode | undefined } | undefined> {
    const key = hashToken(code);
    const [raw, used] = await Promise.all([this.fast.get(NS, key), this.fast.get(NS_USED, key)]);
    // Unknown codes write nothing. For a real code, the claim below is taken before the
    // code is deleted, so at every instant one of the two exists: every concurrent
    // redeemer either wins the claim or is seen as a replay.
    if (raw === undefined && used === undefined) return undefined;
    if (await this.fast.setIfAbsent(NS_USED, key, "{}", this.replayWindow)) {
      await this.fast.delete(NS, key);
      return raw === undefined ? undefined : { grant: JSON.parse(raw) as CodeGrant };
    }
    // Flag the replay before reading what was issued: a redemption still issuing its
    // tokens sees the flag in recordIssued, so one side always revokes them.
    await this.fast.set(NS_REPLAYED, key, "1", this.replayWindow);
    const issued = JSON.parse((await this.fast.get(NS_USED, key)) ?? "{}") as Partial<IssuedFromCode>;
    return { replayed: issued.jti ? (issued as IssuedFromCode) : undefined };
  }

  /** Records what a redeemed code produced; true when the code was replayed meanwhile (revoke it all). */
  async recordIssued(code: string, issued: IssuedFromCode): Promise<boolean> {
    const key = hashToken(code);
    await this.fast.set(NS_USED, key, JSON.stringify(issued), this.replayWindow);
    return (await this.fast.get(NS_REPLAYED, key)) !== undefined;
  }
}
