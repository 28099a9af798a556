const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Whether a compact JWS is in its one canonical form (RFC 7515 2, 7.1): three base64url
 * segments without padding, each exactly the encoding of its bytes (no stray bits in the
 * last character). Decoders accept `signature + "=="` and other variants; a token that
 * is not byte-for-byte what was signed is refused before any signature check.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (part === "" || !SEGMENT.test(part)) return false;
    if (Buffer.from(part, "base64url").toString("base64url") !== part) return false;
  }
  return true;
}
