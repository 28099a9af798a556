import { isMailbox } from "../config/schema.js";

/** One message to send: both parts, for one recipient. */
export interface MailMessage {
  /** One address (`name@example.com`). */
  to: string;
  /** One line. */
  subject: string;
  /** The plain-text part: what every client can show, and where tests read links from. */
  text: string;
  /** The HTML part: build it with the `html` template (pages/html.ts), which escapes every value. */
  html: string;
  /** What it is for (`verify-email`, `reset-password`, …): logged and kept in the outbox, never shown to the recipient. */
  kind: string;
}

/** A message the caller got wrong (an address that is not one, a subject on two lines). */
export class InvalidMailMessage extends Error {}

/** One bare address, `name@example.com` (no display name): what a user's email and a recipient must be. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && isMailbox(value) && !/[<>\s]/.test(value);
}

/** Refuses a message that would put something else into its headers. */
export function checkMessage(message: MailMessage): void {
  if (!isEmailAddress(message.to)) throw new InvalidMailMessage("to: one address, such as name@example.com");
  if (!message.subject.trim() || /[\r\n]/.test(message.subject))
    throw new InvalidMailMessage("subject: one line, not empty");
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(message.kind))
    throw new InvalidMailMessage("kind: lowercase letters, digits and -");
}

/** The parts as sealed in the outbox. */
export interface MailBody {
  text: string;
  html: string;
}
