import type { FastStore } from "../../storage/fast/types.js";
import { hashToken, newOpaqueToken } from "../../tokens/opaque.js";

/** RFC 9126 2.2: the prefix of every request_uri this server hands out. */
export const REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";

const NS = "par";

/** A pushed authorization request as stored: whose it is, and its validated parameters. */
export interface PushedRequest {
  clientId: string;
  params: Record<string, string[]>;
}

/**
 * Pushed authorization requests in the fast store (so any instance can redeem them),
 * keyed by the SHA-256 of the request_uri's random part, single use.
 */
export class PushedRequests {
  constructor(
    private readonly fast: Pick<FastStore, "set" | "get" | "consume">,
    private readonly ttl: number,
  ) {}

  /** Stores a validated request; returns its request_uri and lifetime in seconds. */
  async push(request: PushedRequest): Promise<{ requestUri: string; expiresIn: number }> {
    const secret = newOpaqueToken();
    await this.fast.set(NS, hashToken(secret), JSON.stringify(request), this.ttl);
    return { requestUri: `${REQUEST_URI_PREFIX}${secret}`, expiresIn: this.ttl };
  }

  /** The request behind a request_uri without using it up, or undefined (unknown, expired, used). */
  async peek(requestUri: string): Promise<PushedRequest | undefined> {
    const key = keyOf(requestUri);
    const stored = key === undefined ? undefined : await this.fast.get(NS, key);
    return stored === undefined ? undefined : (JSON.parse(stored) as PushedRequest);
  }

  /** Uses the request_uri up, atomically: of concurrent redeemers exactly one gets true. */
  async consume(requestUri: string): Promise<boolean> {
    const key = keyOf(requestUri);
    return key !== undefined && (await this.fast.consume(NS, key)) !== undefined;
  }
}

/** Whether a request_uri has this server's form (it may still be unknown or spent). */
export function isOwnRequestUri(requestUri: string): boolean {
  return requestUri.startsWith(REQUEST_URI_PREFIX);
}

function keyOf(requestUri: string): string | undefined {
  const secret = requestUri.slice(REQUEST_URI_PREFIX.length);
  return isOwnRequestUri(requestUri) && /^[A-Za-z0-9_-]{43}$/.test(secret) ? hashToken(secret) : undefined;
}
