import type { Mail } from "../mail/mail-service.js";
import type { DurableStore, UserRecord } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import type { AccountLinks } from "./account-links.js";

/** Where verification links point (the account feature serves it). */
export const VERIFY_EMAIL_PATH = "/account/verify-email";
/** How long a verification link works. */
export const VERIFICATION_TTL = 24 * 3600;
/** Verification messages a person may ask for again from the account page, per window. */
export const RESEND_LIMIT = { messages: 3, windowSeconds: 3600 } as const;

/** Writes the message (pages/emails.ts: the composition root hands it in, so this layer renders no HTML). */
export type VerificationMessage = (input: { username: string; url: string; ttlSeconds: number }) => {
  subject: string;
  text: string;
  html: string;
};

export interface EmailVerificationDeps {
  durable: Pick<DurableStore, "users">;
  fast: FastStore;
  links: AccountLinks;
  mail: Mail;
  compose: VerificationMessage;
  /** False when nothing serves the link (the account feature is off): no message is sent. */
  enabled: boolean;
}

/** How a resend request ended. */
export type ResendOutcome = "sent" | "limited" | "nothing-to-verify";

/**
 * Makes `email_verified` true only when the person followed a link sent to the
 * address: a single-use link bound to the address (changing the address kills it),
 * working for 24 hours; sending a new one kills the earlier ones.
 */
export class EmailVerification {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /** Sends a verification message when the user has an address that is not verified; true when it did. */
  async send(user: UserRecord): Promise<boolean> {
    if (!this.deps.enabled || !user.email || user.emailVerified) return false;
    await this.deps.links.revokeAll("verify-email", user.id);
    const token = await this.deps.links.issue({
      purpose: "verify-email",
      userId: user.id,
      email: user.email,
      bindTo: user.email,
      ttlSeconds: VERIFICATION_TTL,
    });
    const url = this.deps.links.linkUrl(VERIFY_EMAIL_PATH, token);
    const parts = this.deps.compose({ username: user.username, url, ttlSeconds: VERIFICATION_TTL });
    await this.deps.mail.send({ to: user.email, kind: "verify-email", ...parts });
    return true;
  }

  /** "Send it again" from the account page: at most RESEND_LIMIT messages per window and user. */
  async resend(user: UserRecord): Promise<ResendOutcome> {
    if (!this.deps.enabled || !user.email || user.emailVerified) return "nothing-to-verify";
    const sent = await this.deps.fast.increment("verify-email-resend", user.id, RESEND_LIMIT.windowSeconds);
    if (sent > RESEND_LIMIT.messages) return "limited";
    await this.send(user);
    return "sent";
  }

  /**
   * The user and address a link would verify, without using the link (the page that
   * asks to confirm): undefined unless the link is live and the user still has the
   * address it was sent to.
   */
  async check(token: string): Promise<{ user: UserRecord; email: string } | undefined> {
    const link = await this.deps.links.peek("verify-email", token);
    if (!link?.userId || !link.bindTo) return undefined;
    const user = await this.deps.durable.users.get(link.userId);
    if (!user?.email || user.email !== link.bindTo) return undefined;
    return { user, email: user.email };
  }

  /** Uses the link: marks its address verified. Undefined when the link does not work (any reason). */
  async confirm(token: string): Promise<UserRecord | undefined> {
    const pending = await this.check(token);
    // A link that does not work now never will: used up all the same.
    const link = await this.deps.links.consume("verify-email", token, { bindTo: pending?.email });
    if (!pending || !link) return undefined;
    await this.deps.durable.users.update(pending.user.id, { emailVerified: true });
    return { ...pending.user, emailVerified: true };
  }
}
