import { isCanonicalCompactJws, verifyJwt } from "@frontdesk/guard";
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { KeyManager } from "../keys/key-manager.js";
import { signJwt } from "./jws-signature.js";
import { newId } from "./opaque.js";

/** `client_id` of the internal tokens minted by the forward-auth endpoint for gateways. */
export const GATEWAY_CLIENT_ID = "frontdesk-gateway";

/**
 * RFC 8693 4.1: who acts for the subject. A nested `act` names the actor before it
 * (informational only: access decisions look at the outermost actor).
 */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

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
  act?: ActorClaim;
  /** The key the token is bound to (RFC 9449 6): its JWK SHA-256 thumbprint. */
  cnf?: { jkt: string };
}

/** The DPoP key a verified token is bound to (`cnf.jkt`), if any. */
export function boundKey(claims: AccessTokenClaims): string | undefined {
  const jkt: unknown = claims.cnf?.jkt;
  return typeof jkt === "string" ? jkt : undefined;
}

export interface AccessTokenInput {
  sub: string;
  clientId: string;
  audience: string | string[];
  scopes: readonly string[];
  ttl: number;
  /**
   * The subject's revocation cut-off (tokens with `iat` at or before it are revoked).
   * A token issued in the same second as a revocation is dated one second later, so
   * a person revoked and signed in again at once gets a token that works.
   */
  revokedBefore?: number | null;
  /** Latest `exp` allowed (a token exchanged from another never outlives it). */
  notAfter?: number;
  extra?: Partial<
    Pick<AccessTokenClaims, "sid" | "auth_time" | "acr" | "amr" | "tenant" | "roles" | "cnf" | "act">
  >;
}

const VERIFIED_MAX = 10_000;

/** Issues and checks RFC 9068 JWT access tokens (`typ: at+jwt`). */
export class AccessTokens {
  /** Key getter for the current published key set, rebuilt only when the key manager swaps the set. */
  private verifyKeys?: { jwks: JSONWebKeySet; getKey: JWTVerifyGetKey };
  /** Tokens that passed `verify`, with their claims (bounded; see `verify`). */
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly issuer: string,
    private readonly keys: KeyManager,
  ) {}

  async issue(input: AccessTokenInput): Promise<{ token: string; claims: AccessTokenClaims }> {
    const signing = await this.keys.signingKey();
    const iat = Math.max(Math.floor(Date.now() / 1000), (input.revokedBefore ?? 0) + 1);
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      sub: input.sub,
      aud: input.audience,
      exp: Math.min(iat + input.ttl, input.notAfter ?? Number.POSITIVE_INFINITY),
      iat,
      jti: newId(),
      client_id: input.clientId,
      ...(input.scopes.length ? { scope: input.scopes.join(" ") } : {}),
      ...input.extra,
    };
    const token = await signJwt({ alg: signing.alg, typ: "at+jwt", kid: signing.kid }, claims, signing.key);
    return { token, claims };
  }

  /**
   * Verifies signature (pinned to our own keys and algorithm), `typ`, `iss` and expiry.
   * A token that verified once is remembered until it expires (introspection and
   * userinfo see the same token again and again): its signature and claims cannot
   * change, expiry is checked on every call, and the memory is dropped whenever the
   * published key set changes. Revocation is the caller's check, never cached here.
   */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > 8192 || !isCanonicalCompactJws(token)) return undefined;
    const getKey = await this.keyGetter();
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp > Math.floor(Date.now() / 1000)) return { ...hit };
      this.verified.delete(token);
      return undefined;
    }
    try {
      const { payload } = await verifyJwt(token, getKey, {
        issuer: this.issuer,
        typ: "at+jwt",
        algorithms: [(await this.keys.signingKey()).alg],
        requiredClaims: ["exp", "iat", "jti", "sub", "client_id"],
      });
      const claims = payload as AccessTokenClaims;
      if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
      this.verified.set(token, claims);
      return { ...claims };
    } catch {
      return undefined;
    }
  }

  private async keyGetter(): Promise<JWTVerifyGetKey> {
    const jwks = await this.keys.publicJwks();
    if (this.verifyKeys?.jwks !== jwks) {
      this.verifyKeys = { jwks, getKey: createLocalJWKSet(jwks) };
      this.verified.clear();
    }
    return this.verifyKeys.getKey;
  }
}
