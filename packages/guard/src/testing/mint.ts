import { randomBytes } from "node:crypto";
import {
  base64url,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import type { AccessTokenClaims } from "../claims.js";

/** Signing algorithms a test issuer can use: Frontdesk's default `ES256`, and its options `RS256` and `EdDSA`. */
export type TestIssuerAlgorithm = "ES256" | "RS256" | "EdDSA";

/** Claims of a minted token, overriding the defaults; a claim set to `undefined` is left out. */
export type TokenClaims = { [Claim in keyof AccessTokenClaims]?: AccessTokenClaims[Claim] | undefined };

/** Protected-header members of a minted token, overriding `alg`, `typ` and `kid`; `undefined` removes one. */
export type TokenHeader = Record<string, unknown>;

/** A signing key pair and the public JWK a key set publishes for it. */
export interface SigningKey {
  readonly alg: TestIssuerAlgorithm;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A fresh key pair whose private half never leaves this process (jose `generateKeyPair`). */
export async function generateSigningKey(alg: TestIssuerAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
  const kid = randomBytes(8).toString("hex");
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** Frontdesk's `jti`: 128 random bits, hex. */
export function newJti(): string {
  return randomBytes(16).toString("hex");
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** `defaults` with `overrides` on top; members set to `undefined` are removed. */
export function merge<T extends Record<string, unknown>>(defaults: T, overrides: Record<string, unknown>): T {
  return Object.fromEntries(
    Object.entries({ ...defaults, ...overrides }).filter(([, value]) => value !== undefined),
  ) as T;
}

/** Signs `claims` with `key`; the header is `{ alg, typ: "at+jwt", kid }` with `header` on top. */
export function signToken(key: SigningKey, claims: JWTPayload, header: TokenHeader = {}): Promise<string> {
  const protectedHeader = merge({ alg: key.alg, typ: "at+jwt", kid: key.kid }, header);
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

/** An unsigned token (`alg: none`, empty signature), as an attacker would send one. */
export function unsignedToken(claims: JWTPayload, header: TokenHeader): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode(merge({ alg: "none", typ: "at+jwt" }, header))}.${encode(claims)}.`;
}
