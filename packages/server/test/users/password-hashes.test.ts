import { describe, expect, it } from "vitest";
import { firebaseScryptString, isRefused, readPasswordHash } from "../../src/users/password-hashes/index.js";
import { hashPassword, needsRehash, verifyPassword } from "../../src/users/passwords.js";
import { FIREBASE_PROJECT, firebaseScrypt, foreignHashes } from "../helpers/password-hashes.js";

async function verifies(encoded: string, password: string): Promise<boolean> {
  const read = readPasswordHash(encoded);
  if (isRefused(read)) throw new Error(`refused: ${read.refused}`);
  return read.verify(password);
}

function firebaseString(hash: string, salt: string): string {
  const encoded = firebaseScryptString({ hash, salt }, FIREBASE_PROJECT);
  if (typeof encoded !== "string") throw new Error(encoded.refused);
  return encoded;
}

describe("published test vectors, made by the reference implementations", () => {
  it("Firebase scrypt: the example of github.com/firebase/scrypt's README", async () => {
    // As that README gives it (reproduced in mcsimps2/py-scrypt-firebase and cideM/lions-backend).
    const hash = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
    const salt = "42xEC+ixf3L2lw==";
    // The tests' own Firebase hasher (used to make fixtures) agrees with the vector.
    expect(firebaseScrypt("user1password", { ...FIREBASE_PROJECT, salt })).toBe(hash);
    const encoded = firebaseString(hash, salt);
    expect(encoded).toBe(`$firescrypt$ln=14,r=8,p=1$${salt}$${hash}$Bw==$${FIREBASE_PROJECT.signerKey}`);
    expect(await verifies(encoded, "user1password")).toBe(true);
    expect(await verifies(encoded, "user1passwore")).toBe(false);
  });

  it("Firebase scrypt: Ory Kratos's $firescrypt$ string", async () => {
    const encoded =
      "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==";
    expect(await verifies(encoded, "8x4WjoDbSxJZdR")).toBe(true);
    expect(await verifies(encoded, "8x4WjoDbSxJZdr")).toBe(false);
  });

  it("scrypt $7$: libsodium's crypto_pwhash_scryptsalsa208sha256_str vector", async () => {
    const encoded = "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D";
    expect(await verifies(encoded, "pleaseletmein")).toBe(true);
    expect(await verifies(encoded, "pleaseletmeout")).toBe(false);
  });

  it("scrypt PHC ($scrypt$ln=16,…), as passlib writes it (zitadel/passwap's test value)", async () => {
    const encoded =
      "$scrypt$ln=16,r=8,p=1$cmFuZG9tc2FsdGlzaGFyZA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ";
    expect(await verifies(encoded, "password")).toBe(true);
    expect(await verifies(encoded, "passwore")).toBe(false);
  });

  it("PBKDF2-SHA256: Django 3.2's test vector, passlib's adapted base64, the PHC string with l=", async () => {
    const django = "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
    expect(await verifies(django, "lètmein")).toBe(true);
    expect(await verifies(django, "letmein")).toBe(false);
    const passlib = "$pbkdf2-sha256$29000$dY6x1jqntPY.x9jbO0copQ$0xgyXxBxvPlWEdVAAYF2d1VB57vp2XLjneCjs/1/Mrs";
    expect(await verifies(passlib, "password")).toBe(true);
    // The RustCrypto pbkdf2 crate's PHC vector: a 40-byte hash named by l=40.
    const phc =
      "$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q";
    expect(await verifies(phc, "passwordPASSWORDpassword")).toBe(true);
    expect(await verifies(phc, "passwordPASSWORDpassworD")).toBe(false);
  });
});

describe("hashes made by other implementations, one per accepted format", () => {
  it("each verifies the password it was made from, and no other", async () => {
    const password = "Tr0ub4dor & 3 ünïcode";
    const hashes = await foreignHashes(password);
    for (const [format, made] of Object.entries(hashes)) {
      const encoded = typeof made === "string" ? made : firebaseString(made.hash, made.salt);
      expect(await verifies(encoded, password), format).toBe(true);
      expect(await verifies(encoded, `${password}!`), format).toBe(false);
      expect(await verifyPassword(encoded, password), format).toBe(true);
      expect(needsRehash(encoded), format).toBe(true);
    }
  });

  it("names the scheme of each", async () => {
    const hashes = await foreignHashes("x");
    const schemes = Object.values(hashes).map((made) => {
      const read = readPasswordHash(typeof made === "string" ? made : firebaseString(made.hash, made.salt));
      return isRefused(read) ? read.refused : read.scheme;
    });
    expect(new Set(schemes)).toEqual(
      new Set([
        "bcrypt",
        "argon2id",
        "argon2i",
        "scrypt",
        "pbkdf2-sha256",
        "pbkdf2_sha256",
        "firebase-scrypt",
      ]),
    );
  });
});

describe("this server's own hashes", () => {
  it("are argon2id with the current parameters: no rehash; a foreign argon2id with other parameters is rehashed", async () => {
    const own = await hashPassword("a long password");
    expect(needsRehash(own)).toBe(false);
    expect(await verifyPassword(own, "a long password")).toBe(true);
    const { argon2id } = await foreignHashes("a long password");
    expect(needsRehash(argon2id as string)).toBe(true);
  });

  it("an unknown user (no hash) is still checked against a dummy hash and never succeeds", async () => {
    expect(await verifyPassword(undefined, "frontdesk-dummy-password")).toBe(false);
  });
});

describe("strings refused, each with a reason that never quotes the hash", () => {
  const salt = "c2FsdHNhbHRzYWx0c2FsdA";
  const cases: [string, string, RegExp][] = [
    ["empty", "", /unknown hash format/],
    ["plain text", "hunter2hunter2", /unknown hash format/],
    ["md5-crypt", "$1$saltsalt$hcgaMHFxdvHE7AKsBkvmK0", /unknown hash format/],
    ["sha512-crypt", "$6$saltsalt$abc", /unknown hash format/],
    ["bcrypt $2x$", "$2x$10$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", /bcrypt: expected/],
    ["bcrypt truncated", "$2b$10$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs", /bcrypt: expected/],
    [
      "bcrypt cost 20",
      "$2b$20$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
      /bcrypt cost must be between 4 and 14/,
    ],
    ["bcrypt cost 3", "$2b$03$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", /bcrypt cost/],
    ["argon2d", `$argon2d$v=19$m=4096,t=3,p=1$${salt}$aGFzaGhhc2hoYXNo`, /argon2d is not a password hash/],
    ["argon2 8 GiB", `$argon2id$v=19$m=8388608,t=2,p=4$${salt}$aGFzaGhhc2hoYXNo`, /argon2 m \(memory, KiB\)/],
    ["argon2 t=1000", `$argon2id$v=19$m=65536,t=1000,p=4$${salt}$aGFzaGhhc2hoYXNo`, /argon2 t/],
    [
      "argon2 short salt",
      "$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaGhhc2hoYXNo",
      /salt is not base64 of at least 8/,
    ],
    ["argon2 no params", `$argon2id$v=19$${salt}$aGFzaA`, /argon2: not a PHC string/],
    ["argon2 bad base64", `$argon2id$v=19$m=4096,t=3,p=1$${salt}$not*base64`, /hash is not base64/],
    [
      "scrypt ln=31",
      `$scrypt$ln=31,r=8,p=1$${salt}$aGFzaGhhc2hoYXNoaGFzaA`,
      /scrypt ln must be between 1 and 20/,
    ],
    ["scrypt 1 GiB", `$scrypt$ln=20,r=8,p=1$${salt}$aGFzaGhhc2hoYXNoaGFzaA`, /more than 256 MiB/],
    ["scrypt p=1024", `$scrypt$ln=14,r=8,p=1024$${salt}$aGFzaGhhc2hoYXNoaGFzaA`, /scrypt p/],
    ["scrypt short hash", `$scrypt$ln=14,r=8,p=1$${salt}$aGFzaA`, /hash is not base64 of 16 to 64/],
    [
      "scrypt n= (not PHC)",
      `$scrypt$n=16384,r=8,p=1$${salt}$aGFzaGhhc2hoYXNoaGFzaA`,
      /scrypt: not a PHC string/,
    ],
    [
      "$7$ N=2^40",
      "$7$e6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D",
      /scrypt log2 N/,
    ],
    ["$7$ short", "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn", /scrypt \$7\$: expected/],
    [
      "pbkdf2 1e9 iterations",
      `$pbkdf2-sha256$i=1000000000,l=32$${salt}$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g`,
      /iterations must be between 1 and 5000000/,
    ],
    [
      "pbkdf2 l= mismatch",
      `$pbkdf2-sha256$i=1000,l=40$${salt}$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g`,
      /l= does not match/,
    ],
    ["pbkdf2 no salt", "$pbkdf2-sha256$1000$$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", /salt is empty/],
    ["pbkdf2-sha512", `$pbkdf2-sha512$25000$${salt}$aGFzaA`, /unknown hash format/],
    ["Django sha1", "pbkdf2_sha1$1000$seasalt$h8WVtFzNLTNUp5hU+IFmjz0virc=", /unknown hash format/],
    ["Django bad base64", "pbkdf2_sha256$1000$seasalt$*notbase64*", /pbkdf2_sha256 \(Django\): expected/],
    [
      "firescrypt mem_cost 31",
      "$firescrypt$ln=31,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5a2V5",
      /scrypt mem_cost/,
    ],
    [
      "firescrypt wrong key length",
      "$firescrypt$ln=14,r=8,p=1$c2FsdA==$aGFzaA==$Bw==$a2V5a2V5",
      /not as long as the signer key/,
    ],
  ];
  for (const [name, encoded, reason] of cases)
    it(name, () => {
      const read = readPasswordHash(encoded);
      expect(isRefused(read) ? read.refused : `accepted as ${read.scheme}`).toMatch(reason);
      if (isRefused(read) && encoded.length > 8) expect(read.refused).not.toContain(encoded.slice(-8));
    });

  it("a stored string that is refused never verifies", async () => {
    expect(await verifyPassword("$2b$20$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", "x")).toBe(
      false,
    );
  });

  it("Firebase's object form needs the project's parameters, from the line or the command line", () => {
    expect(firebaseScryptString({ hash: "aGFzaA==", salt: "c2FsdA==" })).toEqual({
      refused:
        "firebase-scrypt: no signer_key (--firebase-signer-key), salt_separator (--firebase-salt-separator), rounds (--firebase-rounds), mem_cost (--firebase-mem-cost)",
    });
    expect(
      firebaseScryptString(
        { hash: "aGFzaA==", salt: "c2FsdA==", rounds: 8 },
        { ...FIREBASE_PROJECT, rounds: 1 },
      ),
    ).toMatch(/^\$firescrypt\$ln=14,r=8,p=1\$/);
    // The Admin SDK's URL-safe base64 is read too, and stored in the standard alphabet.
    expect(firebaseScryptString({ hash: "-_-_", salt: "c2FsdA" }, FIREBASE_PROJECT)).toMatch(
      /^\$firescrypt\$ln=14,r=8,p=1\$c2FsdA==\$\+\/\+\/\$Bw==\$/,
    );
    expect(firebaseScryptString({ hash: "not base64!", salt: "c2FsdA==" }, FIREBASE_PROJECT)).toEqual({
      refused: "firebase-scrypt: the salt, hash, salt separator or signer key is not base64",
    });
  });
});
