import type { FastifyReply } from "fastify";
import { type Html, html } from "./html.js";

export const STYLESHEET_PATH = "/assets/frontdesk.css";
export const FAVICON_PATH = "/assets/favicon.svg";

export interface LayoutOptions {
  /** A wider card, for pages with tables (the account page). */
  wide?: boolean;
}

/** Page chrome shared by every page: landmark, heading, stylesheet. */
export function layout(title: string, body: Html, options: LayoutOptions = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Frontdesk</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
</head>
<body>
<main class="${options.wide ? "card wide" : "card"}">
<p class="brand" aria-hidden="true">Frontdesk</p>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/**
 * Sends a page: never cached, never framed, no scripts at all (CSP), styles only
 * from this origin.
 */
export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("pragma", "no-cache")
    .header(
      "content-security-policy",
      "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(page.value);
}
