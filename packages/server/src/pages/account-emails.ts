import { type EmailParts, emailParts } from "./emails.js";

/**
 * The messages of the account lifecycle (password reset and change, registration,
 * invitations), rendered by `emailParts`: a text part (where links are read from) and
 * an HTML part with every value escaped.
 */

/** Who the server is, in a message: its public address. */
const site = (issuer: string) => new URL(issuer).host;

export function passwordResetEmail(input: {
  issuer: string;
  username: string;
  url: string;
  minutes: number;
}): EmailParts {
  return emailParts({
    subject: "Reset your password",
    greeting: `Hello ${input.username},`,
    paragraphs: [
      `someone asked to reset the password of your account ${input.username} at ${site(input.issuer)}.`,
      `To choose a new password, open this link within ${input.minutes} minutes. It works once.`,
    ],
    action: { label: "Choose a new password", url: input.url },
    after: ["If you did not ask for this, ignore this message: your password stays as it is."],
  });
}

export function passwordChangedEmail(input: {
  issuer: string;
  username: string;
  /** How it was changed: with an emailed link, or on the account page. */
  how: "reset" | "change";
  at: number;
  /** Where to reset it when it was not the person (absent when reset is off). */
  resetUrl?: string;
}): EmailParts {
  const when = `${new Date(input.at * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  return emailParts({
    subject: "Your password was changed",
    greeting: `Hello ${input.username},`,
    paragraphs: [
      `the password of your account ${input.username} at ${site(input.issuer)} was changed at ${when}, ${
        input.how === "reset" ? "with a password reset link sent to this address" : "on the account page"
      }. You were signed out ${input.how === "reset" ? "everywhere" : "everywhere else"}.`,
      input.resetUrl
        ? "If this was not you, choose a new password now and tell the people who run this service."
        : "If this was not you, tell the people who run this service at once.",
    ],
    ...(input.resetUrl ? { action: { label: "Reset your password", url: input.resetUrl } } : {}),
  });
}

/** To an address that already has an account, when someone registers with it again. */
export function alreadyRegisteredEmail(input: {
  issuer: string;
  signInUrl: string;
  resetUrl?: string;
}): EmailParts {
  return emailParts({
    subject: "You already have an account",
    greeting: "Hello,",
    paragraphs: [
      `someone tried to create an account at ${site(input.issuer)} with this email address, which already has one. Nothing was changed.`,
      "If it was you, sign in instead.",
    ],
    action: { label: "Sign in", url: input.signInUrl },
    after: [
      ...(input.resetUrl ? [`Forgot the password? Choose a new one at ${input.resetUrl}`] : []),
      "If it was not you, ignore this message.",
    ],
  });
}

export function invitationEmail(input: { issuer: string; url: string; days: number }): EmailParts {
  return emailParts({
    subject: `You are invited to ${site(input.issuer)}`,
    greeting: "Hello,",
    paragraphs: [
      `you are invited to create an account at ${site(input.issuer)}.`,
      `To accept, open this link within ${input.days} days and choose your password. It works once.`,
    ],
    action: { label: "Accept the invitation", url: input.url },
    after: ["If you do not expect this invitation, ignore this message."],
  });
}
