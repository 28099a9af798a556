import { randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { toString as qrCodeMarkup } from "qrcode";
import { KeyEncryption } from "../../keys/key-encryption.js";

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
/** One step either side: a phone's clock a little off still works. */
const WINDOW = 1;
/** RFC 4226 recommends at least 160 bits of shared secret. */
const SECRET_BYTES = 20;

/** How long a used time step stays remembered: longer than any step is accepted for. */
export const USED_STEP_TTL = (2 * WINDOW + 2) * PERIOD;

/** A new shared secret, base32 (what apps and the otpauth URI carry). */
export function newSecret(): string {
  return new Secret({ buffer: randomBytes(SECRET_BYTES).buffer }).base32;
}

function totp(secret: string, label = "", issuer = ""): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** `otpauth://totp/ISSUER:USERNAME?secret=…&issuer=…` for an authenticator app. */
export function otpauthUri(secret: string, issuer: string, username: string): string {
  return totp(secret, username, issuer).toString();
}

/** The URI as a QR code, SVG markup to put in the page (the CSP allows no data: images). */
export function qrSvg(uri: string): Promise<string> {
  return qrCodeMarkup(uri, { type: "svg", margin: 2, width: 200, errorCorrectionLevel: "M" });
}

/** Whether a typed code has the shape of one: six digits (spaces people type are dropped). */
export function codeShape(input: string | undefined): string | undefined {
  const code = (input ?? "").replace(/\s/g, "");
  return /^\d{6}$/.test(code) ? code : undefined;
}

/**
 * The time step a code matches (now, or one step either side), or undefined. A step
 * is what makes a code single-use: the caller records it before accepting.
 */
export function matchingStep(secret: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD) + delta;
}

/** Seals a person's secret at rest: a JWE under a key of its own, bound to the user id. */
export class OneTimeCodeSecrets {
  private readonly encryption: KeyEncryption;

  constructor(keyEncryptionSecret: string) {
    this.encryption = new KeyEncryption(keyEncryptionSecret, "one-time-code-secret/v1");
  }

  seal(userId: string, secret: string): Promise<string> {
    return this.encryption.seal(`otp:${userId}`, { secret });
  }

  async open(userId: string, sealed: string): Promise<string> {
    const { secret } = await this.encryption.open(`otp:${userId}`, sealed);
    if (typeof secret !== "string") throw new Error("sealed one-time-code secret has no secret");
    return secret;
  }
}
