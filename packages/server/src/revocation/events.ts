/** A revocation event, as published on the feed (docs/revocation-feed.md). */
export interface RevocationEvent {
  type: "jti" | "sub" | "sid" | "client";
  value: string;
  /** For `sub`: tokens with `iat <= before` are revoked. */
  before?: number;
  /** Epoch seconds after which no token this event affects can still be valid. */
  expires_at: number;
}

export interface FeedEvent extends RevocationEvent {
  id: string;
}
