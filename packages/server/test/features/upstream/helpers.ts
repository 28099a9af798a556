import { expect } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import type { TestServer } from "../../helpers/server.js";
import { type UpstreamOidc, walkUpstream } from "../../helpers/upstream-oidc.js";

let counter = 0;
export const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The href of a `Continue with <name>` button on a page. */
export function buttonHref(page: string, name: string): string {
  const href = new RegExp(`<a class="button" href="([^"]+)">Continue with ${name}</a>`).exec(page)?.[1];
  if (!href) throw new Error(`no "Continue with ${name}" button on the page`);
  return href.replace(/&amp;/g, "&");
}

/**
 * From a Frontdesk page with the provider's button, to the provider, signed in there as
 * `login`: returns the callback URL the provider sends the browser to (not followed yet).
 */
export async function throughProvider(
  browser: FormBrowser,
  page: string,
  upstream: UpstreamOidc,
  name: string,
  login: string,
  decision: "allow" | "cancel" = "allow",
): Promise<string> {
  const started = await browser.follow(buttonHref(page, name));
  expect(started.url.startsWith(upstream.issuer)).toBe(true);
  return walkUpstream(new FormBrowser(upstream.issuer), started.url, login, decision);
}

/** Signs in at Frontdesk's sign-in page through the provider; returns where Frontdesk sent the browser. */
export async function signInThrough(
  server: TestServer,
  upstream: UpstreamOidc,
  name: string,
  login: string,
  browser = new FormBrowser(server.issuer),
) {
  const page = await (await browser.request("/login")).text();
  const callback = await throughProvider(browser, page, upstream, name, login);
  const landed = await browser.follow(callback);
  return { browser, ...landed, text: await landed.response.text() };
}

/** The users with this address (to check that nothing was created). */
export async function usersWith(server: TestServer, email: string) {
  return server.ctx.durable.users.findByEmail(email);
}
