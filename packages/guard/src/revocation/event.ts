/** Kinds of revocation event (docs/revocation-feed.md). */
export type RevocationType = "jti" | "sub" | "sid" | "client";

/** A revocation event as emitted by the Frontdesk server (docs/revocation-feed.md). */
export interface RevocationEvent {
  /** Opaque, increasing cursor of this event. */
  id?: string;
  type: RevocationType;
  /** The `jti`, `sub`, `sid` or `client_id`. */
  value: string;
  /** For `sub`: tokens with `iat <= before` (epoch seconds) are revoked. */
  before?: number;
  /** Epoch seconds after which the event no longer matters. */
  expires_at: number;
}

const TYPES: ReadonlySet<string> = new Set(["jti", "sub", "sid", "client"]);

/**
 * Validates one event received from a feed (parsed JSON or JSON text). Returns `undefined` for anything
 * that does not follow the contract, so one bad event cannot stop a feed.
 *
 * @example
 * ```ts
 * parseRevocationEvent('{"type":"jti","value":"abc","expires_at":1732375600}');
 * // { type: "jti", value: "abc", expires_at: 1732375600 }
 * ```
 */
export function parseRevocationEvent(input: unknown): RevocationEvent | undefined {
  let data = input;
  if (typeof input === "string") {
    try {
      data = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  if (typeof data !== "object" || data === null) return undefined;
  const { id, type, value, before, expires_at } = data as Record<string, unknown>;
  if (typeof type !== "string" || !TYPES.has(type)) return undefined;
  if (typeof value !== "string" || value.length === 0) return undefined;
  if (typeof expires_at !== "number" || !Number.isFinite(expires_at)) return undefined;
  if (type === "sub" && (typeof before !== "number" || !Number.isFinite(before))) return undefined;
  const event: RevocationEvent = { type: type as RevocationType, value, expires_at };
  if (typeof id === "string") event.id = id;
  if (type === "sub") event.before = before as number;
  return event;
}
