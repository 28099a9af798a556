import { type HashReader, inRange, parts, readable, refuse } from "./scheme.js";

/** bcrypt's costs: 4 is its minimum; a cost of 14 already takes about 1.5 s in bcryptjs. */
export const BCRYPT_LIMITS = { minCost: 4, maxCost: 14 } as const;

const MODULAR = /^\$2[aby]\$(?<cost>\d\d)\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt in its modular-crypt string (`$2a$`, `$2b$` or `$2y$`, a two-digit cost, 22
 * characters of salt and 31 of hash), checked by bcryptjs. `$2x$` (crypt_blowfish's
 * buggy variant) is refused. bcrypt reads at most 72 bytes of a password, as the
 * system that made the hash did.
 */
export const readBcrypt: HashReader = (encoded) => {
  if (!/^\$2[a-z]?\$/.test(encoded)) return undefined;
  const match = parts(MODULAR, encoded, ["cost"]);
  if (!match)
    return refuse("bcrypt: expected $2a$, $2b$ or $2y$, a two-digit cost and 53 characters of salt and hash");
  const problem = inRange("bcrypt cost", Number(match.cost), BCRYPT_LIMITS.minCost, BCRYPT_LIMITS.maxCost);
  if (problem) return refuse(problem);
  // Loaded on first use: only imported users bring bcrypt hashes.
  return readable("bcrypt", async (password) =>
    (await import("bcryptjs")).default.compare(password, encoded),
  );
};
