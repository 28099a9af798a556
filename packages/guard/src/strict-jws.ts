import { base64url } from "jose";

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Whether a compact JWS is in its one canonical form (RFC 7515 section 2, 7.1): three
 * non-empty base64url segments without padding, each exactly the encoding of its bytes
 * (no stray bits in the last character). Decoders accept `signature + "=="` and other
 * variants; a token that is not byte-for-byte what was signed is refused before any
 * signature check. The server checks its own tokens with this too.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (!SEGMENT.test(part)) return false;
    try {
      if (base64url.encode(base64url.decode(part)) !== part) return false;
    } catch {
      return false;
    }
  }
  return true;
}
