import { expect } from "vitest";
import type { FormBrowser } from "../../helpers/browser.js";
import { decodeEntities } from "../../helpers/browser.js";
import type { SoftAuthenticator } from "./soft-authenticator.js";

export const csrfOf = (page: string): string => {
  const found = /data-csrf="([^"]+)"/.exec(page) ?? /name="csrf" value="([^"]+)"/.exec(page);
  if (!found?.[1]) throw new Error("no CSRF token on the page");
  return decodeEntities(found[1]);
};

const form = (fields: Record<string, string | undefined>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(
    Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString(),
});

/** Asks for a ceremony's options the way the script does. */
export async function ceremonyOptions(
  browser: FormBrowser,
  kind: string,
  fields: Record<string, string | undefined>,
): Promise<{ status: number; json: Record<string, unknown> & { challenge: string } }> {
  const response = await browser.request(`/passkeys/${kind}/options`, form(fields));
  return { status: response.status, json: (await response.json()) as never };
}

/** Posts a ceremony's answer as the script's form does; follows the redirects on this server. */
export function postAnswer(
  browser: FormBrowser,
  action: string,
  fields: Record<string, string | undefined>,
  credential: unknown,
): Promise<{ response: Response; url: string }> {
  return browser.follow(action, form({ ...fields, credential: JSON.stringify(credential) }));
}

/** Adds a passkey from the account page (the browser signed in within five minutes). */
export async function registerPasskey(
  browser: FormBrowser,
  authenticator: SoftAuthenticator,
  name = "Laptop",
) {
  const page = await (await browser.request("/account/passkeys/new")).text();
  const csrf = csrfOf(page);
  const { status, json } = await ceremonyOptions(browser, "register", { csrf });
  expect(status).toBe(200);
  const answer = authenticator.register(json as never, browser.origin);
  const { url } = await postAnswer(browser, "/account/passkeys", { csrf, name }, answer);
  expect(new URL(url).search).toBe("?notice=passkey-added");
  return json;
}

/** Signs in with a passkey from the sign-in page, no username; `tamper` makes the answer wrong. */
export async function passkeySignIn(
  browser: FormBrowser,
  authenticator: SoftAuthenticator,
  tamper: Parameters<SoftAuthenticator["assert"]>[2] = {},
  pending: { request?: string } = {},
) {
  const page = await (
    await browser.request(`/login${pending.request ? `?request=${pending.request}` : ""}`)
  ).text();
  const csrf = csrfOf(page);
  const { json } = await ceremonyOptions(browser, "sign-in", { csrf, ...pending });
  const answer = authenticator.assert(json as never, browser.origin, tamper);
  const result = await postAnswer(browser, "/passkeys/sign-in", { csrf, ...pending }, answer);
  return { ...result, answer, csrf };
}
