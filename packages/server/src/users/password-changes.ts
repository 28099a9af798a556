import { createHash } from "node:crypto";
import type { UserRecord } from "../storage/durable/types.js";
import type { LoginThrottle } from "./login-throttle.js";
import { hashPassword } from "./passwords.js";
import { revokeUser, type UserRevocationDeps } from "./users.js";

/**
 * What an emailed password link is bound to (`bindTo`): a digest of the account and
 * its current password hash (argon2id salts every hash anew). Any change of the
 * password — a completed reset, a change on the account page — changes it, so every
 * link issued before stops working.
 */
export function passwordFingerprint(user: Pick<UserRecord, "id" | "passwordHash">): string {
  return createHash("sha256")
    .update(`frontdesk password state\n${user.id}\n${user.passwordHash ?? ""}`)
    .digest("base64url");
}

export interface PasswordChangeDeps extends UserRevocationDeps {
  loginThrottle: LoginThrottle;
}

/**
 * Sets a new password (argon2id) and revokes everything the person holds, as
 * `frontdesk user revoke` does: every session, every refresh-token family, every access
 * token issued so far (a `sub` event on the revocation feed). The sign-in throttle of
 * the account is cleared: whoever guessed at the old password gave the owner no delay
 * to wait out. The caller signs the person in again where that is wanted.
 */
export async function replacePassword(
  ctx: PasswordChangeDeps,
  user: UserRecord,
  password: string,
): Promise<{ sessions: number; families: number }> {
  await ctx.durable.users.update(user.id, { passwordHash: await hashPassword(password) });
  const revoked = await revokeUser(ctx, user);
  await ctx.loginThrottle.unlock(user.username);
  return revoked;
}
