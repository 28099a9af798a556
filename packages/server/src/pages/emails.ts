import { html } from "./html.js";

/** What a message says: it becomes a plain-text part and an HTML part, every value escaped in the HTML. */
export interface EmailContent {
  subject: string;
  /** "Hello alice," */
  greeting: string;
  /** Paragraphs before the link. */
  paragraphs: readonly string[];
  /** The one thing to do: a button in HTML, the URL on its own line in text. */
  action?: { label: string; url: string };
  /** Paragraphs after the link (why they got it, what to do if it was not them). */
  after?: readonly string[];
}

/** The parts of one message, ready for `mail.send` (add `to` and `kind`). */
export interface EmailParts {
  subject: string;
  text: string;
  html: string;
}

/** Renders a message: the same words twice, as text (where tests and plain clients read links) and as escaped HTML. */
export function emailParts(content: EmailContent): EmailParts {
  const after = content.after ?? [];
  const text = [
    content.greeting,
    ...content.paragraphs,
    ...(content.action ? [`${content.action.label}:\n${content.action.url}`] : []),
    ...after,
    "— Frontdesk",
  ].join("\n\n");
  const paragraph = (p: string) => html`<p style="margin:0 0 16px">${p}</p>`;
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${content.subject}</title>
</head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px;line-height:1.5">
<div style="max-width:560px;margin:0 auto">
${paragraph(content.greeting)}
${content.paragraphs.map(paragraph)}
${
  content.action
    ? html`<p style="margin:24px 0"><a href="${content.action.url}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:600">${content.action.label}</a></p>
<p style="margin:0 0 16px;font-size:14px">Or open this address: <a href="${content.action.url}">${content.action.url}</a></p>`
    : ""
}
${after.map(paragraph)}
<p style="margin:24px 0 0;font-size:14px;opacity:0.7">Frontdesk</p>
</div>
</body>
</html>`;
  return { subject: content.subject, text, html: body.value };
}

/** The message that asks a person to confirm their address. */
export function verificationEmail(input: { username: string; url: string; ttlSeconds: number }): EmailParts {
  const hours = Math.round(input.ttlSeconds / 3600);
  return emailParts({
    subject: "Confirm your email address",
    greeting: `Hello ${input.username},`,
    paragraphs: ["Please confirm that this is your email address, so that it can be used for your account."],
    action: { label: "Confirm your email address", url: input.url },
    after: [
      `The link works once, for ${hours === 1 ? "1 hour" : `${hours} hours`}. If you did not expect this message, ignore it: nothing changes.`,
    ],
  });
}
