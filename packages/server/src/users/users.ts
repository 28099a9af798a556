import type { Logger } from "pino";
import { isEmailAddress } from "../mail/message.js";
import type { Revocations } from "../revocation/revocations.js";
import type { SessionService } from "../sessions/sessions.js";
import type { DurableStore, UserRecord } from "../storage/durable/types.js";
import { newId } from "../tokens/opaque.js";
import type { RefreshTokens } from "../tokens/refresh-tokens.js";
import { isRefused, readPasswordHash } from "./password-hashes/index.js";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, needsRehash } from "./passwords.js";
import type { UserData } from "./user-data.js";

/** What revoking a user's access touches. */
export interface UserRevocationDeps {
  durable: DurableStore;
  sessions: SessionService;
  refreshTokens: RefreshTokens;
  revocations: Revocations;
}

/** A user-management request the caller must fix; the message says what. */
export class InvalidUserInput extends Error {}

/** What a username may be: 1-64 letters, digits and . _ @ + - (case-sensitive). */
export const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;
const MAX_NAME_LENGTH = 200;
const validName = (name: string) =>
  name.trim() !== "" && [...name].length <= MAX_NAME_LENGTH && !/\p{Cc}/u.test(name);

export interface NewUser {
  username: string;
  /** Optional: people who sign in with an upstream provider or a passkey have none. */
  password?: string;
  /**
   * Instead of `password`: a hash made by another system (`frontdesk user import`),
   * stored as it is when `readPasswordHash` accepts it, replaced at the first sign-in.
   */
  passwordHash?: string;
  /** Display name; the username stands in without one. */
  name?: string;
  email?: string;
  /** The operator vouches for the address (no verification message is sent then). */
  emailVerified?: boolean;
  tenant?: string;
  roles?: string[];
  /** Created unable to sign in (an imported account that was disabled). */
  disabled?: boolean;
}

export async function createUser(
  ctx: Pick<UserRevocationDeps, "durable">,
  input: NewUser,
): Promise<UserRecord> {
  if (!USERNAME.test(input.username))
    throw new InvalidUserInput("username: 1-64 characters of letters, digits and . _ @ + -");
  if (
    input.password !== undefined &&
    (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH)
  )
    throw new InvalidUserInput(
      `password: between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`,
    );
  if (input.passwordHash !== undefined) {
    if (input.password !== undefined)
      throw new InvalidUserInput("give a password or a password hash, not both");
    const read = readPasswordHash(input.passwordHash);
    if (isRefused(read)) throw new InvalidUserInput(`password_hash: ${read.refused}`);
  }
  if (input.name !== undefined && !validName(input.name))
    throw new InvalidUserInput(`name: 1-${MAX_NAME_LENGTH} characters, no control characters`);
  if (input.email !== undefined && !isEmailAddress(input.email))
    throw new InvalidUserInput("email: not an e-mail address (name@example.com)");
  if (input.emailVerified && input.email === undefined)
    throw new InvalidUserInput("email verified: give the email address too");
  if (await ctx.durable.users.getByUsername(input.username))
    throw new InvalidUserInput(`username "${input.username}" is taken`);
  const user: UserRecord = {
    id: newId(),
    username: input.username,
    name: input.name ?? null,
    email: input.email ?? null,
    emailVerified: input.emailVerified === true,
    passwordHash:
      input.password === undefined ? (input.passwordHash ?? null) : await hashPassword(input.password),
    disabled: input.disabled === true,
    tokensRevokedBefore: null,
    tenant: input.tenant ?? null,
    roles: input.roles ?? [],
    createdAt: Math.floor(Date.now() / 1000),
  };
  await ctx.durable.users.create(user);
  return user;
}

/**
 * Changes (or removes, with null) a user's address. The new one is unverified unless
 * the operator vouches for it; links sent to the old one stop working (they are bound
 * to the address they verify).
 */
export async function setEmail(
  ctx: Pick<UserRevocationDeps, "durable">,
  user: UserRecord,
  email: string | null,
  options: { verified?: boolean } = {},
): Promise<UserRecord> {
  if (email !== null && !isEmailAddress(email))
    throw new InvalidUserInput("email: not an e-mail address (name@example.com)");
  if (options.verified && email === null) throw new InvalidUserInput("email verified: give the address too");
  const emailVerified = email !== null && options.verified === true;
  await ctx.durable.users.update(user.id, { email, emailVerified });
  return { ...user, email, emailVerified };
}

/**
 * After a successful sign-in with `password`: replaces a hash that is not this
 * server's argon2id (an imported bcrypt, scrypt, PBKDF2 or Firebase hash) by one, only
 * if the stored hash is still the one the password was checked against. Returns
 * whether it replaced it.
 */
export async function upgradePasswordHash(
  ctx: Pick<UserRevocationDeps, "durable">,
  user: UserRecord,
  password: string,
): Promise<boolean> {
  if (user.passwordHash === null || !needsRehash(user.passwordHash)) return false;
  return ctx.durable.users.replacePasswordHash(user.id, user.passwordHash, await hashPassword(password));
}

/** Finds a user by id or username. */
export async function findUser(
  ctx: Pick<UserRevocationDeps, "durable">,
  idOrName: string,
): Promise<UserRecord | undefined> {
  return (await ctx.durable.users.get(idOrName)) ?? (await ctx.durable.users.getByUsername(idOrName));
}

/**
 * Ends every session and refresh-token family of the user and revokes every access
 * token issued so far (pushed to guards as a `sub` event).
 */
export async function revokeUser(
  ctx: UserRevocationDeps,
  user: UserRecord,
): Promise<{ sessions: number; families: number }> {
  const sessions = await ctx.sessions.endAllForUser(user.id);
  const families = await ctx.refreshTokens.revokeFamiliesOf({ userId: user.id });
  await ctx.revocations.revokeSubject(user.id);
  return { sessions, families };
}

/** Disables sign-in and revokes everything the user holds. */
export async function disableUser(ctx: UserRevocationDeps, user: UserRecord): Promise<void> {
  await ctx.durable.users.update(user.id, { disabled: true });
  await revokeUser(ctx, user);
}

/**
 * Lets a disabled user sign in again (undoes `disableUser`). What was revoked stays
 * revoked: the user starts with no sessions and no tokens.
 */
export async function enableUser(ctx: Pick<UserRevocationDeps, "durable">, user: UserRecord): Promise<void> {
  await ctx.durable.users.update(user.id, { disabled: false });
}

/** What deleting a user touches: what revoking touches, and the log its audit line goes to. */
export interface UserDeletionDeps extends UserRevocationDeps {
  logger: Pick<Logger, "info">;
  /** The features' own records of people, erased with the user. */
  userData: Pick<UserData, "erase">;
}

/**
 * Deletes a user: first revokes everything they hold (as `revokeUser`: sessions,
 * refresh-token families, and every access token via a `sub` revocation event that
 * outlives the longest token), then deletes their consents (grants), their
 * refresh-token families and tokens, what the features keep of them (linked
 * identities), and last the user record, so an interrupted
 * deletion can be run again. Logs one audit line `{ action: "user.delete", user }`.
 */
export async function deleteUser(
  ctx: UserDeletionDeps,
  user: UserRecord,
): Promise<{ sessions: number; families: number; grants: number }> {
  const { sessions } = await revokeUser(ctx, user);
  const grants = await ctx.durable.grants.deleteAllOfUser(user.id);
  const families = await ctx.durable.refreshTokens.deleteAllOfUser(user.id);
  await ctx.userData.erase(user.id);
  await ctx.durable.users.delete(user.id);
  ctx.logger.info({ action: "user.delete", user: user.id }, "user deleted");
  return { sessions, families, grants };
}

export function describeUser(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    email: u.email,
    email_verified: u.emailVerified,
    disabled: u.disabled,
    tenant: u.tenant,
    roles: u.roles,
    created_at: u.createdAt,
  };
}
