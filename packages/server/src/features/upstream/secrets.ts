import { importPKCS8, SignJWT } from "jose";
import { KeyEncryption } from "../../keys/key-encryption.js";
import type { ProviderRecord } from "./records.js";

/** What is sealed per provider: its client secret, or Apple's private key (PKCS #8 PEM). */
export interface ProviderSecret {
  clientSecret?: string;
  applePrivateKey?: string;
}

const APPLE_AUDIENCE = "https://appleid.apple.com";
/** Apple accepts up to six months; a fresh one per token request needs only minutes. */
const APPLE_SECRET_LIFETIME = 300;

/** Seals and opens provider secrets: a JWE under a key of its own, bound to the provider id. */
export class ProviderSecrets {
  private readonly encryption: KeyEncryption;

  constructor(keyEncryptionSecret: string) {
    this.encryption = new KeyEncryption(keyEncryptionSecret, "upstream-provider-secret/v1");
  }

  seal(providerId: string, secret: ProviderSecret): Promise<string> {
    return this.encryption.seal(`upstream:${providerId}`, secret);
  }

  async open(provider: ProviderRecord): Promise<ProviderSecret> {
    if (!provider.sealedSecret) return {};
    return (await this.encryption.open(`upstream:${provider.id}`, provider.sealedSecret)) as ProviderSecret;
  }

  /** The client secret to present at the provider's token endpoint (Apple's is a JWT made now). */
  async clientSecret(provider: ProviderRecord): Promise<string | undefined> {
    const secret = await this.open(provider);
    const apple = provider.settings.apple;
    if (apple && secret.applePrivateKey)
      return appleClientSecret(apple, provider.clientId, secret.applePrivateKey);
    return secret.clientSecret;
  }
}

/** Apple's client secret: an ES256 JWT by the team's key (Sign in with Apple REST API). */
export async function appleClientSecret(
  apple: { teamId: string; keyId: string },
  clientId: string,
  privateKeyPem: string,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const key = await importPKCS8(privateKeyPem, "ES256");
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: apple.keyId })
    .setIssuer(apple.teamId)
    .setSubject(clientId)
    .setAudience(APPLE_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + APPLE_SECRET_LIFETIME)
    .sign(key);
}
