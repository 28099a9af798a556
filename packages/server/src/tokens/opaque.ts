import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new opaque secret: 256 bits from the OS CSPRNG, base64url. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * A random identifier (128 bits) for ids that are not secrets on their own. Hex, so
 * an id never starts with "-" (a command line would read it as an option) and is
 * safe in URLs, shells and file names alike.
 */
export function newId(): string {
  return randomBytes(16).toString("hex");
}

/** Storage form of a high-entropy secret: SHA-256 hex (no salt needed at 256 bits of entropy). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
