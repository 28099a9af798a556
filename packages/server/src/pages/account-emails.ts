import { type Html, html } from "./html.js";

/**
 * The messages of the account lifecycle (password reset and change, registration,
 * invitations): a subject, a plain-text part (where links are read from) and an HTML
 * part built with `html`, which escapes every value.
 */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

function message(subject: string, paragraphs: readonly (string | { link: string })[]): EmailContent {
  const text = paragraphs.map((p) => (typeof p === "string" ? p : p.link)).join("\n\n");
  const body: Html[] = paragraphs.map((p) =>
    typeof p === "string" ? html`<p>${p}</p>` : html`<p><a href="${p.link}">${p.link}</a></p>`,
  );
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36rem">
${body}
</body></html>`;
  return { subject, text: `${text}\n`, html: page.value };
}

/** Who the server is, in a message: its public address. */
const site = (issuer: string) => new URL(issuer).host;

export function passwordResetEmail(input: {
  issuer: string;
  username: string;
  url: string;
  minutes: number;
}): EmailContent {
  return message("Reset your password", [
    `Someone asked to reset the password of your account ${input.username} at ${site(input.issuer)}.`,
    `To choose a new password, open this link within ${input.minutes} minutes. It works once:`,
    { link: input.url },
    "If you did not ask for this, ignore this message: your password stays as it is.",
  ]);
}

export function passwordChangedEmail(input: {
  issuer: string;
  username: string;
  /** How it was changed: with an emailed link, or on the account page. */
  how: "reset" | "change";
  at: number;
  /** Where to reset it when it was not the person (absent when reset is off). */
  resetUrl?: string;
}): EmailContent {
  const when = `${new Date(input.at * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  return message("Your password was changed", [
    `The password of your account ${input.username} at ${site(input.issuer)} was changed at ${when}, ${
      input.how === "reset" ? "with a password reset link sent to this address" : "on the account page"
    }. You were signed out ${input.how === "reset" ? "everywhere" : "everywhere else"}.`,
    input.resetUrl
      ? "If this was not you, reset your password now and tell the people who run this service:"
      : "If this was not you, tell the people who run this service at once.",
    ...(input.resetUrl ? [{ link: input.resetUrl }] : []),
  ]);
}

/** To an address that already has an account, when someone registers with it again. */
export function alreadyRegisteredEmail(input: {
  issuer: string;
  signInUrl: string;
  resetUrl?: string;
}): EmailContent {
  return message("You already have an account", [
    `Someone tried to create an account at ${site(input.issuer)} with this email address, which already has one. Nothing was changed.`,
    "If it was you, sign in instead:",
    { link: input.signInUrl },
    ...(input.resetUrl ? ["Forgot the password? Choose a new one here:", { link: input.resetUrl }] : []),
    "If it was not you, ignore this message.",
  ]);
}

export function invitationEmail(input: { issuer: string; url: string; days: number }): EmailContent {
  return message(`You are invited to ${site(input.issuer)}`, [
    `You are invited to create an account at ${site(input.issuer)}.`,
    `To accept, open this link within ${input.days} days and choose your password. It works once:`,
    { link: input.url },
    "If you do not expect this invitation, ignore this message.",
  ]);
}
