/**
 * The text encodings of foreign password hashes. Each reader refuses (undefined) text
 * outside its alphabet rather than skipping it, as Buffer.from(…, "base64") would.
 */

/**
 * Base64 as PHC strings write it (RFC 4648 alphabet, no padding), also with padding
 * and with passlib's "adapted" alphabet ("." for "+", `$pbkdf2-sha256$`).
 */
export function readBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/.]*={0,2}$/.test(text)) return undefined;
  const bare = text.replace(/=+$/, "").replaceAll(".", "+");
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, "base64");
}

/** Base64 as Firebase writes it: `firebase auth:export` pads the standard alphabet, the Admin SDK is URL-safe. */
export function readAnyBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  return readBase64(text.replaceAll("-", "+").replaceAll("_", "/"));
}

/** crypt(3)'s alphabet, as scrypt's `$7$` strings (libsodium, libxcrypt) use it. */
const CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A number written as crypt64 digits, least significant first (`$7$`'s N, r and p). */
export function readCrypt64Number(text: string): number | undefined {
  let value = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const digit = CRYPT64.indexOf(text[i] as string);
    if (digit < 0) return undefined;
    value = value * 64 + digit;
  }
  return value;
}

/**
 * Bytes as `$7$` writes its hash: groups of three bytes read little-endian, each
 * written as four crypt64 digits, least significant first (a last group of one or
 * two bytes takes two or three digits).
 */
export function writeCrypt64Bytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const group = bytes.subarray(i, i + 3);
    let value = 0;
    group.forEach((byte, k) => {
      value |= byte << (8 * k);
    });
    for (let bits = 0; bits < group.length * 8; bits += 6) out += CRYPT64[(value >>> bits) & 63];
  }
  return out;
}
