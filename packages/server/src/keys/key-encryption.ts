import { hkdfSync } from "node:crypto";
import { CompactEncrypt, compactDecrypt } from "jose";

/**
 * Encrypts private signing keys at rest: a JWE (dir + A256GCM, via jose) under a
 * key derived with HKDF-SHA256 from the configured key-encryption secret. The
 * key id is in the protected header, so a ciphertext cannot be moved to another key's row.
 * Other secrets read back later (the mail outbox's bodies) use their own derived key:
 * `purpose` is the HKDF info.
 */
export class KeyEncryption {
  private readonly key: Uint8Array;

  constructor(secret: string, purpose = "signing-key-encryption/v1") {
    this.key = new Uint8Array(hkdfSync("sha256", secret, "frontdesk", purpose, 32));
  }

  async seal(kid: string, privateJwk: object): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid })
      .encrypt(this.key);
  }

  async open(kid: string, jwe: string): Promise<Record<string, unknown>> {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, this.key, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    if (protectedHeader.kid !== kid) throw new Error(`encrypted key does not belong to kid ${kid}`);
    return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
  }
}
