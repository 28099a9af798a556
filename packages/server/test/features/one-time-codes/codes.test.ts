import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { CodeAttempts } from "../../../src/features/one-time-codes/attempts.js";
import {
  newRecoveryCodes,
  normalizeRecoveryCode,
  recoveryCodeHash,
} from "../../../src/features/one-time-codes/recovery-codes.js";
import {
  codeShape,
  matchingStep,
  newSecret,
  OneTimeCodeSecrets,
  otpauthUri,
} from "../../../src/features/one-time-codes/totp.js";
import { memoryFastStore } from "../../../src/storage/fast/memory.js";

// RFC 6238 appendix B: the SHA-1 test secret "12345678901234567890" and its 8-digit values (6 digits: the last six).
const RFC_SECRET = new Secret({ buffer: new TextEncoder().encode("12345678901234567890").buffer }).base32;

describe("time-based codes (RFC 6238 with otpauth)", () => {
  it("matches the RFC's test vectors, naming the time step", () => {
    expect(matchingStep(RFC_SECRET, "287082", 59_000)).toBe(1);
    expect(matchingStep(RFC_SECRET, "081804", 1_111_111_109_000)).toBe(37_037_036);
    expect(matchingStep(RFC_SECRET, "279037", 2_000_000_000_000)).toBe(66_666_666);
  });

  it("accepts one step either side and no further", () => {
    const at = 1_800_000_015_000;
    const code = (offset: number) =>
      new TOTP({ secret: Secret.fromBase32(RFC_SECRET) }).generate({ timestamp: at + offset * 30_000 });
    const step = Math.floor(at / 30_000);
    expect(matchingStep(RFC_SECRET, code(0), at)).toBe(step);
    expect(matchingStep(RFC_SECRET, code(-1), at)).toBe(step - 1);
    expect(matchingStep(RFC_SECRET, code(1), at)).toBe(step + 1);
    expect(matchingStep(RFC_SECRET, code(-2), at)).toBeUndefined();
    expect(matchingStep(RFC_SECRET, code(2), at)).toBeUndefined();
  });

  it("secrets are 20 random bytes; the URI names issuer and account", () => {
    const a = newSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(newSecret()).not.toBe(a);
    expect(otpauthUri(a, "login.example.com", "alice")).toBe(
      `otpauth://totp/login.example.com:alice?issuer=login.example.com&secret=${a}&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it("a code is six digits (spaces dropped), nothing else", () => {
    expect(codeShape("123 456")).toBe("123456");
    for (const bad of ["12345", "1234567", "12345a", "", undefined, "１２３４５６"])
      expect(codeShape(bad)).toBeUndefined();
  });

  it("sealed secrets open only for the person they were sealed for, and only with the same key", async () => {
    const secrets = new OneTimeCodeSecrets("k".repeat(32));
    const sealed = await secrets.seal("u1", "JBSWY3DPEHPK3PXP");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(await secrets.open("u1", sealed)).toBe("JBSWY3DPEHPK3PXP");
    await expect(secrets.open("u2", sealed)).rejects.toThrow();
    await expect(new OneTimeCodeSecrets("x".repeat(32)).open("u1", sealed)).rejects.toThrow();
  });
});

describe("recovery codes", () => {
  it("ten distinct codes, xxxxx-xxxxx from an alphabet without look-alikes", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-TW-Z]{5}-[2-9A-HJKMNP-TW-Z]{5}$/);
  });

  it("typed in any case, with or without the dash, a code has one hash", () => {
    const [code] = newRecoveryCodes() as [string];
    const hash = recoveryCodeHash(code);
    expect(recoveryCodeHash(code.toLowerCase())).toBe(hash);
    expect(recoveryCodeHash(code.replace("-", ""))).toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(normalizeRecoveryCode("AAAAA-OOOOO")).toBeUndefined();
    expect(normalizeRecoveryCode("AAAA-AAAA")).toBeUndefined();
  });
});

describe("code attempts per account", () => {
  it("past the limit even the next attempt waits, with the rest of the window as Retry-After; other accounts are untouched", async () => {
    let now = 1_800_000_000_000;
    const attempts = new CodeAttempts(memoryFastStore(), "otp", { failures: 3, window: 300 }, () => now);
    for (let i = 0; i < 3; i++) expect(await attempts.admit("u1")).toEqual({ ok: true });
    now += 100_000;
    expect(await attempts.admit("u1")).toEqual({ ok: false, retryAfter: 200 });
    expect(await attempts.admit("u2")).toEqual({ ok: true });
  });

  it("the right code starts the count again", async () => {
    const attempts = new CodeAttempts(memoryFastStore(), "otp", { failures: 2, window: 300 });
    await attempts.admit("u1");
    await attempts.admit("u1");
    await attempts.succeeded("u1");
    expect(await attempts.admit("u1")).toEqual({ ok: true });
  });
});
