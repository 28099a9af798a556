import type { FastifyReply } from "fastify";
import { type Html, html } from "./html.js";

export const STYLESHEET_PATH = "/assets/frontdesk.css";
export const FAVICON_PATH = "/assets/favicon.svg";

export interface LayoutOptions {
  /** A wider card, for pages with tables (the account page). */
  wide?: boolean;
  /** Scripts from this origin (local paths), loaded deferred; the page must work without them. */
  scripts?: readonly string[];
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
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}</head>
<body>
<main class="${options.wide ? "card wide" : "card"}">
<p class="brand" aria-hidden="true">Frontdesk</p>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

const NO_SCRIPT =
  "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/** A page with a script of this origin (the passkey calls): never inline script, fetches only to this origin. */
const SELF_SCRIPT =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Sends a page: never cached, never framed, styles only from this origin, and no
 * scripts at all (CSP) unless `scripts` says the page loads one of this origin's.
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  page: Html,
  options: { scripts?: boolean } = {},
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("pragma", "no-cache")
    .header("content-security-policy", options.scripts ? SELF_SCRIPT : NO_SCRIPT)
    .send(page.value);
}
