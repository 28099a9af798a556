import { isEmailAddress } from "../../mail/message.js";
import type { DurableStore, UserRecord } from "../../storage/durable/types.js";
import { newId } from "../../tokens/opaque.js";
import { createUser, USERNAME } from "../../users/users.js";
import type { UpstreamProfile } from "./exchange.js";
import type { IdentityRecord, ProviderRecord } from "./records.js";
import type { IdentityRepository } from "./repositories.js";

/** Where an upstream sign-in lands. */
export type SignInOutcome =
  | { kind: "signed-in"; user: UserRecord; created: boolean; linked: boolean }
  /** An account already uses the address, and linking to it automatically is not safe: the person proves they own it. */
  | { kind: "link-required"; offerNewAccount: boolean }
  | { kind: "disabled"; user: UserRecord }
  /** Linking from the account page: the identity belongs to another account. */
  | { kind: "linked-elsewhere" };

export interface AccountDeps {
  durable: DurableStore;
  identities: IdentityRepository;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * A free username from what the provider offers: its username, else the address's
 * local part; taken ones get a number (`ann-2`); with neither, the provider's id.
 */
async function freeUsername(
  deps: AccountDeps,
  provider: ProviderRecord,
  profile: UpstreamProfile,
): Promise<string> {
  const clean = (v: string | null | undefined) => (v ?? "").replace(/[^A-Za-z0-9._@+-]/g, "").slice(0, 48);
  const address = profile.email && isEmailAddress(profile.email) ? profile.email.split("@")[0] : undefined;
  const wanted = [clean(profile.preferredUsername), clean(address)].filter((c) => USERNAME.test(c));
  for (const candidate of wanted) if (!(await deps.durable.users.getByUsername(candidate))) return candidate;
  const stem = wanted[0] ?? provider.id;
  if (!wanted.length && !(await deps.durable.users.getByUsername(stem))) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!(await deps.durable.users.getByUsername(candidate))) return candidate;
  }
}

export async function linkIdentity(
  deps: AccountDeps,
  provider: ProviderRecord,
  profile: UpstreamProfile,
  userId: string,
): Promise<boolean> {
  const t = now();
  const identity: IdentityRecord = {
    id: newId(),
    providerId: provider.id,
    issuer: profile.issuer,
    subject: profile.subject,
    userId,
    email: profile.email,
    createdAt: t,
    lastUsedAt: t,
  };
  return deps.identities.insert(identity);
}

/** The identity already linked for this (provider, issuer, subject), dropping one whose user is gone. */
async function linkedUser(deps: AccountDeps, provider: ProviderRecord, profile: UpstreamProfile) {
  const identity = await deps.identities.find(provider.id, profile.issuer, profile.subject);
  if (!identity) return undefined;
  const user = await deps.durable.users.get(identity.userId);
  if (!user) {
    await deps.identities.delete(identity.id);
    return undefined;
  }
  return { identity, user };
}

/**
 * Links an identity to the signed-in person (from the account page or after they
 * proved they own an account): never one already linked to someone else.
 */
export async function linkToUser(
  deps: AccountDeps,
  provider: ProviderRecord,
  profile: UpstreamProfile,
  user: UserRecord,
): Promise<SignInOutcome> {
  const linked = await linkedUser(deps, provider, profile);
  if (linked && linked.user.id !== user.id) return { kind: "linked-elsewhere" };
  if (!linked && !(await linkIdentity(deps, provider, profile, user.id))) return { kind: "linked-elsewhere" };
  return { kind: "signed-in", user, created: false, linked: !linked };
}

/**
 * The account an upstream sign-in is for. An identity is found by (provider, issuer,
 * subject), never by address. A first sign-in creates a passwordless account, unless
 * an account already uses the address: it is linked automatically only when the
 * provider is trusted for addresses, says this one is verified, and exactly one local
 * account has it verified too; otherwise the person signs in to that account to link
 * it. So someone who registered a victim's address first does not inherit the
 * victim's upstream sign-in, and an upstream account made with a victim's address does
 * not open the victim's account.
 */
export async function resolveSignIn(
  deps: AccountDeps,
  provider: ProviderRecord,
  profile: UpstreamProfile,
): Promise<SignInOutcome> {
  const linked = await linkedUser(deps, provider, profile);
  if (linked) {
    if (linked.user.disabled) return { kind: "disabled", user: linked.user };
    await deps.identities.touch(linked.identity.id, now(), profile.email);
    return { kind: "signed-in", user: linked.user, created: false, linked: false };
  }
  const trusted = provider.settings.trustEmail && profile.emailVerified;
  const sameAddress = profile.email ? await deps.durable.users.findByEmail(profile.email) : [];
  if (sameAddress.length > 0) {
    const verified = sameAddress.filter((u) => u.emailVerified);
    const only = verified.length === 1 ? verified[0] : undefined;
    if (!trusted || !only) return { kind: "link-required", offerNewAccount: verified.length === 0 };
    if (only.disabled) return { kind: "disabled", user: only };
    return linkToUser(deps, provider, profile, only);
  }
  return createLinkedUser(deps, provider, profile);
}

/** A just-in-time account: no password, the provider's address (verified only if the provider is trusted for it). */
export async function createLinkedUser(
  deps: AccountDeps,
  provider: ProviderRecord,
  profile: UpstreamProfile,
): Promise<SignInOutcome> {
  const trusted = provider.settings.trustEmail && profile.emailVerified;
  const user = await createUser(deps, {
    username: await freeUsername(deps, provider, profile),
    ...(profile.name && [...profile.name].length <= 200 && !/\p{Cc}/u.test(profile.name)
      ? { name: profile.name }
      : {}),
    // An address the provider gives that is not one (some let people type anything) is left out.
    ...(profile.email && isEmailAddress(profile.email)
      ? { email: profile.email, emailVerified: trusted }
      : {}),
  });
  if (await linkIdentity(deps, provider, profile, user.id))
    return { kind: "signed-in", user, created: true, linked: true };
  // Another request linked this identity meanwhile (a double-clicked callback): that one wins.
  await deps.durable.users.delete(user.id);
  const winner = await linkedUser(deps, provider, profile);
  if (!winner) throw new Error("upstream identity vanished while linking");
  return winner.user.disabled
    ? { kind: "disabled", user: winner.user }
    : { kind: "signed-in", user: winner.user, created: false, linked: false };
}
