import { readBase64 } from "./encoding.js";
import { type HashReader, inRange, parts, readable, refuse } from "./scheme.js";

/** The most work an argon2 hash may ask of one sign-in. */
export const ARGON2_LIMITS = { memoryKib: 262_144, time: 10, parallelism: 16 } as const;

const PHC =
  /^\$(?<scheme>argon2id|argon2i)\$(?:v=(?:16|19)\$)?m=(?<m>\d{1,10}),t=(?<t>\d{1,10}),p=(?<p>\d{1,10})\$(?<salt>[^$]+)\$(?<hash>[^$]+)$/;

/**
 * argon2id and argon2i in their PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`,
 * version 19 or 16, the version may be left out), checked by @node-rs/argon2.
 */
export const readArgon2: HashReader = (encoded) => {
  if (!/^\$argon2[a-z]*\$/.test(encoded)) return undefined;
  const match = parts(PHC, encoded, ["scheme", "m", "t", "p", "salt", "hash"]);
  if (!match) {
    if (/^\$argon2d\$/.test(encoded))
      return refuse("argon2d is not a password hash; argon2id and argon2i are");
    return refuse("argon2: not a PHC string $argon2id$v=19$m=…,t=…,p=…$salt$hash");
  }
  const { scheme, m, t, p, salt, hash } = match;
  const parallelism = Number(p);
  const problem =
    inRange("argon2 p (parallelism)", parallelism, 1, ARGON2_LIMITS.parallelism) ??
    inRange("argon2 m (memory, KiB)", Number(m), 8 * parallelism, ARGON2_LIMITS.memoryKib) ??
    inRange("argon2 t (iterations)", Number(t), 1, ARGON2_LIMITS.time);
  if (problem) return refuse(problem);
  const saltBytes = readBase64(salt);
  const hashBytes = readBase64(hash);
  if (!saltBytes || saltBytes.length < 8) return refuse("argon2: the salt is not base64 of at least 8 bytes");
  if (!hashBytes || hashBytes.length < 4 || hashBytes.length > 1024)
    return refuse("argon2: the hash is not base64 of 4 to 1024 bytes");
  // The native module loads at the first password check, not at start-up.
  return readable(scheme, async (password) => (await import("@node-rs/argon2")).verify(encoded, password));
};
