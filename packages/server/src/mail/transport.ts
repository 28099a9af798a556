import type { Transporter } from "nodemailer";

/** A message ready for the wire, as the outbox hands it to a transport. */
export interface OutgoingMail {
  /** Stable across retries, so a receiver can drop a duplicate after a lost acknowledgement. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends one message; throws with the server's reason when it was not accepted. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  /** Where it sends, without credentials (for logs). */
  readonly target: string;
  close(): void;
}

/** `smtp://user:pass@host:587` → `smtp://host:587`: a URL fit for a log line. */
export function redactSmtpUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * SMTP with nodemailer: `smtp://` upgrades with STARTTLS when the server offers it,
 * `smtps://` speaks TLS from the start; credentials and options come from the URL.
 * One connection per message, with short timeouts, so an attempt never outlives the
 * worker's lease.
 */
export function smtpTransport(url: string): MailTransport {
  // nodemailer loads with the first message, not at start-up.
  let transporter: Promise<Transporter> | undefined;
  const open = () =>
    (transporter ??= import("nodemailer").then(({ createTransport }) =>
      createTransport({
        url,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
        dnsTimeout: 10_000,
      }),
    ));
  return {
    target: redactSmtpUrl(url),
    async send(mail) {
      await (await open()).sendMail({
        messageId: mail.messageId,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834: a machine wrote this; vacation responders stay quiet.
        headers: { "Auto-Submitted": "auto-generated" },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    },
    close() {
      void transporter?.then((t) => t.close());
    },
  };
}
