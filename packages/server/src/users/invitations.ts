import type { Config } from "../config/schema.js";
import type { Mail } from "../mail/mail-service.js";
import { isEmailAddress } from "../mail/message.js";
import type { DurableStore } from "../storage/durable/types.js";
import type { AccountLinks } from "./account-links.js";
import { InvalidUserInput, USERNAME } from "./users.js";

/** How long an invitation link works: 7 days. */
export const INVITATION_TTL = 7 * 24 * 3600;
export const INVITATION_PURPOSE = "invitation" as const;

/** Whom to invite, and what their account gets. */
export interface NewInvitation {
  email: string;
  /** Fixed by the invitation; otherwise the person chooses one. */
  username?: string;
  roles?: string[];
  tenant?: string;
}

/** What an invitation link carries (its `data`). */
export interface InvitationData {
  username?: string;
  roles: string[];
  tenant?: string;
}

/** The invitation a link's data describes (defensive: the data is JSON from the store). */
export function invitationOf(link: { data: Record<string, unknown> }): InvitationData {
  const { username, roles, tenant } = link.data;
  return {
    ...(typeof username === "string" ? { username } : {}),
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [],
    ...(typeof tenant === "string" ? { tenant } : {}),
  };
}

/** The parts of an emailed message. */
export interface MessageContent {
  subject: string;
  text: string;
  html: string;
}

export interface InvitationDeps {
  config: Pick<Config, "registration">;
  durable: Pick<DurableStore, "users">;
  accountLinks: Pick<AccountLinks, "issue" | "linkUrl">;
  mail: Pick<Mail, "send">;
}

/**
 * Invites a person by email (`frontdesk user invite`, the admin API): a single-use link,
 * valid 7 days, to `/signup/invitation`, where they choose their password (and their
 * username unless the invitation names one). Refused while registration is closed, for
 * an address or username that already has an account, and for input that could not
 * make an account. `compose` writes the message around the link.
 */
export async function inviteUser(
  ctx: InvitationDeps,
  input: NewInvitation,
  compose: (url: string, days: number) => MessageContent,
): Promise<{ email: string; expires_at: number }> {
  if (ctx.config.registration === "closed")
    throw new InvalidUserInput(
      "registration is closed: set registration to invite (or open) to send invitations (FRONTDESK_REGISTRATION=invite)",
    );
  const email = input.email.trim();
  if (!isEmailAddress(email)) throw new InvalidUserInput("email: not an e-mail address");
  if (input.username !== undefined && !USERNAME.test(input.username))
    throw new InvalidUserInput("username: 1-64 characters of letters, digits and . _ @ + -");
  if (input.username !== undefined && (await ctx.durable.users.getByUsername(input.username)))
    throw new InvalidUserInput(`username "${input.username}" is taken`);
  const owners = await ctx.durable.users.findByEmail(email);
  if (owners.length > 0)
    throw new InvalidUserInput(
      `${email} already has an account: ${owners.map((u) => u.username).join(", ")}`,
    );
  const roles = (input.roles ?? []).map((r) => r.trim()).filter(Boolean);
  if (roles.some((r) => !/^[\x21-\x7e]{1,64}$/.test(r)))
    throw new InvalidUserInput("roles: each 1-64 visible characters, no spaces");
  const data: InvitationData = {
    roles,
    ...(input.username !== undefined ? { username: input.username } : {}),
    ...(input.tenant ? { tenant: input.tenant } : {}),
  };
  const token = await ctx.accountLinks.issue({
    purpose: INVITATION_PURPOSE,
    email,
    ttlSeconds: INVITATION_TTL,
    data: { ...data },
  });
  const content = compose(ctx.accountLinks.linkUrl("/signup/invitation", token), INVITATION_TTL / 86_400);
  await ctx.mail.send({ to: email, ...content, kind: INVITATION_PURPOSE });
  return { email, expires_at: Math.floor(Date.now() / 1000) + INVITATION_TTL };
}
