import { createHash } from "node:crypto";
import { SignJWT } from "jose";
import type { KeyManager, SigningAlg } from "../keys/key-manager.js";

export interface IdTokenInput {
  sub: string;
  clientId: string;
  nonce: string | null;
  authTime: number;
  sid: string | null;
  acr: string | null;
  amr: string[];
  /** The upstream provider the person signed in through, when one. */
  idp?: string | null;
  accessToken?: string;
  ttl: number;
  /** Profile and e-mail claims of the granted scopes (many relying parties read only the ID token). */
  claims?: Record<string, unknown>;
  /** The client's `id_token_signed_response_alg` (OIDC Registration 2: RS256 by default). */
  alg?: SigningAlg;
}

/** OIDC Core 3.1.3.6: left half of the SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  const digest = createHash("sha256").update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}

/** Signs OpenID Connect ID tokens with the active key. */
export class IdTokens {
  constructor(
    private readonly issuer: string,
    private readonly keys: KeyManager,
  ) {}

  async issue(input: IdTokenInput): Promise<string> {
    const signing = await this.keys.signingKey(input.alg ?? "RS256");
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({
      ...input.claims,
      auth_time: input.authTime,
      ...(input.nonce ? { nonce: input.nonce } : {}),
      ...(input.sid ? { sid: input.sid } : {}),
      ...(input.acr ? { acr: input.acr } : {}),
      ...(input.amr.length ? { amr: input.amr } : {}),
      ...(input.idp ? { idp: input.idp } : {}),
      ...(input.accessToken ? { at_hash: atHash(input.accessToken) } : {}),
      azp: input.clientId,
    })
      .setProtectedHeader({ alg: signing.alg, typ: "JWT", kid: signing.kid })
      .setIssuer(this.issuer)
      .setSubject(input.sub)
      .setAudience(input.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + input.ttl)
      .sign(signing.key);
  }
}
