import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * Server-provided DPoP nonces (RFC 9449 8, 9), kept nowhere: a nonce is an HMAC of a
 * time window under a key derived from the secret every instance shares, so each
 * instance accepts the others'. A nonce is accepted in its own window and the next,
 * and a few seconds early (an instance whose clock is ahead may have moved on).
 */
export class DpopNonces {
  private readonly key: Buffer;

  constructor(
    sharedSecret: string,
    private readonly windowSeconds: number,
    private readonly clockToleranceSeconds: number,
    private readonly now: () => number,
  ) {
    this.key = Buffer.from(hkdfSync("sha256", sharedSecret, "frontdesk", "dpop-nonce/v1", 32));
  }

  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(): string {
    return this.ofWindow(this.windowAt(this.now()));
  }

  accepts(nonce: string | undefined): boolean {
    if (nonce === undefined) return false;
    const given = Buffer.from(nonce);
    const t = this.now();
    const windows = new Set([t - this.windowSeconds, t, t + this.clockToleranceSeconds].map(this.windowAt));
    return [...windows].some((window) => {
      const expected = Buffer.from(this.ofWindow(window));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  private readonly windowAt = (seconds: number) => Math.floor(seconds / this.windowSeconds);

  private ofWindow(window: number): string {
    return createHmac("sha256", this.key).update(`window:${window}`).digest("base64url");
  }
}
