import { randomBytes } from "node:crypto";
import type {
  ClientRecord,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserRecord,
} from "../../../src/storage/durable/types.js";

/** Ids unique per test run, so suites can share one database. */
export const uid = (prefix: string) => `${prefix}-${randomBytes(6).toString("hex")}`;

/** An epoch second after 2038, so a 32-bit column (or a BIGINT left as a string) shows. */
export const T = 4_102_444_800;

export function client(over: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id: uid("client"),
    name: "Reports",
    secretHash: "ab".repeat(32),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    tokenEndpointAuthMethod: "client_secret_basic",
    redirectUris: ["https://app.example/cb", "https://app.example/cb2"],
    postLogoutRedirectUris: ["https://app.example/bye"],
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["openid", "reports:read"],
    firstParty: true,
    disabled: false,
    createdAt: T,
    metadata: {},
    ...over,
  };
}

export function key(
  state: SigningKeyRecord["state"],
  over: Partial<SigningKeyRecord> = {},
): SigningKeyRecord {
  return {
    kid: uid("kid"),
    alg: "ES256",
    state,
    publicJwk: '{"kty":"EC"}',
    privateJwe: "eyJ.a.b.c.d",
    createdAt: T,
    activatedAt: state === "next" ? null : T + 1,
    retiredAt: state === "retired" ? T + 2 : null,
    ...over,
  };
}

export function user(over: Partial<UserRecord> = {}): UserRecord {
  const id = uid("user");
  return {
    id,
    username: `name-${id}`,
    name: "Ann Müller",
    email: `${id}@example.com`,
    emailVerified: true,
    passwordHash: "$argon2id$v=19$...",
    disabled: false,
    tokensRevokedBefore: null,
    tenant: "acme",
    roles: ["admin", "billing"],
    createdAt: T,
    ...over,
  };
}

export function family(over: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  return {
    id: uid("fam"),
    clientId: uid("client"),
    userId: uid("user"),
    createdAt: T,
    expiresAt: T + 86_400,
    revokedAt: null,
    dpopJkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
    ...over,
  };
}

export function token(f: RefreshFamilyRecord, over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    tokenHash: uid("hash"),
    familyId: f.id,
    clientId: f.clientId,
    userId: f.userId,
    scopes: ["openid", "offline_access"],
    sid: uid("sid"),
    authTime: T - 10,
    acr: "urn:frontdesk:pwd",
    amr: ["pwd"],
    idp: null,
    issuedAt: T,
    expiresAt: T + 3600,
    rotatedAt: null,
    ...over,
  };
}
