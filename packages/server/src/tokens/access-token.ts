import { createLocalJWKSet, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { KeyManager } from "../keys/key-manager.js";
import { newId } from "./opaque.js";

/** `client_id` of the internal tokens minted by the forward-auth endpoint for gateways. */
export const GATEWAY_CLIENT_ID = "frontdesk-gateway";

export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  sid?: string;
  auth_time?: number;
  acr?: string;
  amr?: string[];
  tenant?: string;
  roles?: string[];
}

export interface AccessTokenInput {
  sub: string;
  clientId: string;
  audience: string | string[];
  scopes: readonly string[];
  ttl: number;
  extra?: Partial<Pick<AccessTokenClaims, "sid" | "auth_time" | "acr" | "amr" | "tenant" | "roles" | "cnf">>;
}

/** Issues and checks RFC 9068 JWT access tokens (`typ: at+jwt`). */
export class AccessTokens {
  constructor(
    private readonly issuer: string,
    private readonly keys: KeyManager,
  ) {}

  async issue(input: AccessTokenInput): Promise<{ token: string; claims: AccessTokenClaims }> {
    const signing = await this.keys.signingKey();
    const iat = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      sub: input.sub,
      aud: input.audience,
      exp: iat + input.ttl,
      iat,
      jti: newId(),
      client_id: input.clientId,
      ...(input.scopes.length ? { scope: input.scopes.join(" ") } : {}),
      ...input.extra,
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: signing.alg, typ: "at+jwt", kid: signing.kid })
      .sign(signing.key);
    return { token, claims };
  }

  /** Verifies signature (pinned to our own keys and algorithm), `typ`, `iss` and expiry. */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > 8192) return undefined;
    try {
      const jwks = createLocalJWKSet(await this.keys.publicJwks());
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.issuer,
        typ: "at+jwt",
        algorithms: [(await this.keys.signingKey()).alg],
        requiredClaims: ["exp", "iat", "jti", "sub", "client_id"],
      });
      return payload as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }
}
