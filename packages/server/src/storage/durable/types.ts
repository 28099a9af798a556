import type { Kysely } from "kysely";

/** Records of the durable store. Times are epoch seconds. */

/**
 * A client's `token_endpoint_auth_method`: the name of a client authentication method
 * (the core's `client_secret_basic`, `client_secret_post`, `none`, or one a feature
 * adds, such as `private_key_jwt`). Registration accepts only the enabled ones.
 */
export type TokenEndpointAuthMethod = string;

/**
 * Registration metadata beyond the core fields (RFC 7591, OpenID Connect Registration
 * 1.0), in the client's own words; absent means the default.
 */
export interface ClientMetadata {
  /** The client's public keys by value (a JWK Set), for private_key_jwt and request objects. */
  jwks?: { keys: Record<string, unknown>[] };
  /** ...or by reference: fetched with the outbound guard, cached. */
  jwksUri?: string;
  /** Algorithm of its ID tokens and logout tokens (OIDC Registration 2: RS256 when absent). */
  idTokenSignedResponseAlg?: "RS256" | "ES256" | "EdDSA";
  /** Authorization requests must be pushed (RFC 9126 6). */
  requirePushedAuthorizationRequests?: boolean;
  /** Access tokens must be DPoP-bound (RFC 9449 5.2). */
  dpopBoundAccessTokens?: boolean;
  /** Back-channel logout (OIDC Back-Channel Logout 1.0 2.2). */
  backchannelLogoutUri?: string;
  backchannelLogoutSessionRequired?: boolean;
  /**
   * Assurance every sign-in for this client must reach (`default_acr_values`, OIDC
   * Registration 2; Frontdesk enforces the weakest listed value as a minimum).
   */
  defaultAcrValues?: string[];
  /** Configured resources this client may exchange tokens for (RFC 8693); none when absent. */
  tokenExchangeAudiences?: string[];
  /** Shown, never fetched, on the consent page (https only). */
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
}

export interface ClientRecord {
  id: string;
  name: string;
  /** SHA-256 (hex) of the secret; null for public clients. */
  secretHash: string | null;
  /** SHA-256 (hex) of the secret before the last rotation, accepted until `previousSecretExpiresAt`. */
  previousSecretHash: string | null;
  /** When the previous secret stops working (null: there is none). */
  previousSecretExpiresAt: number | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  firstParty: boolean;
  disabled: boolean;
  createdAt: number;
  metadata: ClientMetadata;
}

export type KeyState = "next" | "active" | "retired";

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  state: KeyState;
  /** Public JWK as JSON text. */
  publicJwk: string;
  /** Private JWK encrypted as a compact JWE. */
  privateJwe: string;
  createdAt: number;
  /** When it became active (null while next). */
  activatedAt: number | null;
  /** When it was retired (null otherwise). */
  retiredAt: number | null;
}

export interface UserRecord {
  id: string;
  username: string;
  /** Display name (the `name` claim); null: the username stands in. */
  name: string | null;
  email: string | null;
  /** The person showed they receive mail at `email` (followed a verification link), or an operator said so. */
  emailVerified: boolean;
  /**
   * argon2id hash, or a hash imported from another system (users/password-hashes/)
   * until the first sign-in replaces it; null for a user who signs in another way
   * (upstream provider, passkey).
   */
  passwordHash: string | null;
  disabled: boolean;
  /** Tokens issued at or before this time are revoked (user revoke or disable; password change once it exists). */
  tokensRevokedBefore: number | null;
  tenant: string | null;
  roles: string[];
  createdAt: number;
}

export interface GrantRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export interface RefreshFamilyRecord {
  id: string;
  clientId: string;
  userId: string;
  createdAt: number;
  /** Absolute expiry of every token of the family. */
  expiresAt: number;
  revokedAt: number | null;
  /** JWK thumbprint of the DPoP key every refresh of the family must prove (RFC 9449 5); null: unbound. */
  dpopJkt: string | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 (hex) of the opaque token. */
  tokenHash: string;
  familyId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  /** Session the family was born in, and when the user authenticated. */
  sid: string | null;
  authTime: number;
  acr: string | null;
  amr: string[];
  /** The upstream provider the sign-in went through (`idp`); null for a local one. */
  idp: string | null;
  issuedAt: number;
  /** Idle expiry of this token. */
  expiresAt: number;
  /** Set once, atomically, when the token is exchanged for a new one. */
  rotatedAt: number | null;
}

export interface ClientRepository {
  create(client: ClientRecord): Promise<void>;
  get(id: string): Promise<ClientRecord | undefined>;
  list(): Promise<ClientRecord[]>;
  /** Changes only the fields given; returns false when no such client. */
  update(id: string, changes: ClientChanges): Promise<boolean>;
  /**
   * Makes `secretHash` the client's secret in one statement: the current secret
   * becomes the previous one, accepted until `previousExpiresAt` (null: dropped at
   * once, with any earlier previous secret). Returns false when no such client or
   * when it has no secret (a public client).
   */
  rotateSecret(id: string, secretHash: string, previousExpiresAt: number | null): Promise<boolean>;
  /** Returns false when no such client. */
  delete(id: string): Promise<boolean>;
}

/** The fields of a client that may change after registration. */
export type ClientChanges = Partial<
  Pick<
    ClientRecord,
    | "name"
    | "redirectUris"
    | "postLogoutRedirectUris"
    | "grantTypes"
    | "scopes"
    | "firstParty"
    | "disabled"
    | "metadata"
    | "tokenEndpointAuthMethod"
  >
>;

export interface SigningKeyRepository {
  list(): Promise<SigningKeyRecord[]>;
  insert(key: SigningKeyRecord): Promise<void>;
  /**
   * Applies a rotation as one transaction: each listed key moves to its new state
   * only if it is still in the expected one. Returns false (and changes nothing)
   * when another process rotated first.
   */
  transition(
    changes: { kid: string; from: KeyState; to: KeyState; at: number }[],
    insert?: SigningKeyRecord,
  ): Promise<boolean>;
  remove(kid: string): Promise<void>;
}

export interface UserRepository {
  create(user: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  /**
   * The users with this e-mail address, compared without regard to letter case (the
   * address is not unique: operators may give two accounts one address), oldest first.
   */
  findByEmail(email: string): Promise<UserRecord[]>;
  list(): Promise<UserRecord[]>;
  update(
    id: string,
    changes: Partial<
      Pick<
        UserRecord,
        | "disabled"
        | "tokensRevokedBefore"
        | "passwordHash"
        | "name"
        | "email"
        | "emailVerified"
        | "tenant"
        | "roles"
      >
    >,
  ): Promise<boolean>;
  /**
   * Sets the password hash only if it is still `expected`, in one statement: a
   * sign-in replacing an imported hash never undoes a password change made meanwhile.
   * Returns false (and changes nothing) otherwise.
   */
  replacePasswordHash(id: string, expected: string, next: string): Promise<boolean>;
  /** Removes the user record; returns false when no such user. */
  delete(id: string): Promise<boolean>;
}

export interface GrantRepository {
  /** Creates or replaces the grant of (user, client). */
  upsert(grant: GrantRecord): Promise<void>;
  get(userId: string, clientId: string): Promise<GrantRecord | undefined>;
  listByUser(userId: string): Promise<GrantRecord[]>;
  delete(userId: string, clientId: string): Promise<boolean>;
  /** Deletes every grant of the user; returns how many there were. */
  deleteAllOfUser(userId: string): Promise<number>;
}

export interface RefreshTokenRepository {
  createFamily(family: RefreshFamilyRecord): Promise<void>;
  getFamily(id: string): Promise<RefreshFamilyRecord | undefined>;
  insert(token: RefreshTokenRecord): Promise<void>;
  get(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks the token rotated if, and only if, it was not rotated before and its
   * family is not revoked; inserts its successor in the same transaction.
   * Exactly one of any number of concurrent calls for one token returns true.
   */
  rotate(tokenHash: string, at: number, successor: RefreshTokenRecord): Promise<boolean>;
  /** Revokes a family; returns false when it was already revoked or does not exist. */
  revokeFamily(familyId: string, at: number): Promise<boolean>;
  /** Revokes every live family matching; returns the ids revoked. */
  revokeFamiliesOf(
    filter: { userId?: string; clientId?: string; sid?: string },
    at: number,
  ): Promise<string[]>;
  listActiveFamiliesOfUser(userId: string, now: number): Promise<RefreshFamilyRecord[]>;
  /**
   * Deletes every family of the user (live or not) and their tokens, in one
   * transaction; returns how many families there were. Revoke them first: a deleted
   * token is unknown, not detected as reused.
   */
  deleteAllOfUser(userId: string): Promise<number>;
}

/** A message waiting in the outbox. Times are epoch milliseconds. */
export interface MailOutboxRecord {
  id: string;
  /** What the message is for (`verify-email`, `reset-password`, …): for operators and logs. */
  kind: string;
  recipient: string;
  subject: string;
  /** The text and HTML parts, sealed by the mail service (they carry links, which are secrets). */
  body: string;
  /** `pending` until delivered (then removed); `failed` once given up, kept for operators. */
  status: "pending" | "failed";
  /** Attempts so far, counting the one a claim is for. */
  attempts: number;
  /** When a pending message may next be claimed: its retry time, or the end of a claim's lease. */
  dueAt: number;
  /** Which worker holds the current claim (null: none). */
  claimedBy: string | null;
  createdAt: number;
  /** Why the last attempt failed (the SMTP server's words; never the message). */
  lastError: string | null;
}

/**
 * The durable outbox of email. A claim is a lease: it moves `dueAt` to the lease's
 * end with a compare-and-set on the `dueAt` it read, so two workers never hold one
 * message at once, and a message whose claimer died is due again when the lease ends.
 */
export interface MailOutboxRepository {
  /** Adds a pending message, due at `createdAt`. */
  enqueue(
    message: Pick<MailOutboxRecord, "id" | "kind" | "recipient" | "subject" | "body" | "createdAt">,
  ): Promise<void>;
  /** Claims up to `limit` due pending messages for `owner` until `now + leaseMs` (oldest due first); returns those it won. */
  claimDue(owner: string, now: number, leaseMs: number, limit: number): Promise<MailOutboxRecord[]>;
  /** Removes a delivered message this owner still holds; false when it no longer holds it. */
  delivered(id: string, owner: string): Promise<boolean>;
  /** Releases a message this owner holds, due again at `dueAt`, with why the attempt failed. */
  retryAt(id: string, owner: string, dueAt: number, error: string): Promise<boolean>;
  /** Gives up on a message this owner holds: kept, marked failed, never claimed again. */
  markFailed(id: string, owner: string, error: string): Promise<boolean>;
  /** Messages, oldest first; only those of one status when given. */
  list(status?: MailOutboxRecord["status"]): Promise<MailOutboxRecord[]>;
  /**
   * Puts failed messages (the one given, or every one) back to pending, due at `now`
   * with a fresh count of attempts (the operator fixed the cause); returns how many.
   */
  requeueFailed(now: number, id?: string): Promise<number>;
}

/** What a single-use emailed link is for. */
export type AccountLinkPurpose = "verify-email" | "reset-password" | "invitation";

/** A single-use emailed link, as stored (the token itself never is). Times are epoch seconds. */
export interface AccountLinkRecord {
  purpose: AccountLinkPurpose;
  /** The person it is for; null for an invitation to someone without an account yet. */
  userId: string | null;
  /** The address it was sent to. */
  email: string;
  /** State the link is bound to (the address it verifies, the password it may replace): it works only while that holds. */
  bindTo: string | null;
  /** Whatever its purpose needs (an invitation's roles). */
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

export interface AccountLinkRepository {
  insert(tokenHash: string, link: AccountLinkRecord): Promise<void>;
  /** The live (unexpired) link of that hash and purpose, left in place. */
  find(tokenHash: string, purpose: AccountLinkPurpose, now: number): Promise<AccountLinkRecord | undefined>;
  /**
   * Removes and returns the live link of that hash and purpose in one statement: of
   * any number of concurrent calls, exactly one gets it.
   */
  consume(
    tokenHash: string,
    purpose: AccountLinkPurpose,
    now: number,
  ): Promise<AccountLinkRecord | undefined>;
  /** Removes every link of that purpose for the user; returns how many there were. */
  deleteOf(purpose: AccountLinkPurpose, userId: string): Promise<number>;
  /** Removes links that expired at or before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** The durable store: users, clients, grants, refresh-token families, signing keys, the mail outbox, emailed links. */
export interface DurableStore {
  readonly kind: "sqlite" | "postgres";
  readonly clients: ClientRepository;
  readonly keys: SigningKeyRepository;
  readonly users: UserRepository;
  readonly grants: GrantRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly mailOutbox: MailOutboxRepository;
  readonly accountLinks: AccountLinkRepository;
  /**
   * A handle on a feature's own tables (those its `migrations` create), typed by the
   * feature; the core tables above are reached only through their repositories.
   */
  featureTables<Tables>(): Kysely<Tables>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
