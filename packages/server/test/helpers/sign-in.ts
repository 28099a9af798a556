import { FormBrowser } from "./browser.js";

/** Signs a person in through the login page; returns their browser (holding the session cookie). */
export async function signIn(origin: string, username: string, password: string): Promise<FormBrowser> {
  const browser = new FormBrowser(origin);
  const page = await browser.follow("/login");
  const done = await browser.submit(await page.response.text(), { username, password });
  if (!done.url.endsWith("/account")) throw new Error(`sign-in failed: ended at ${done.url}`);
  return browser;
}

/** The internal JWT the forward-auth endpoint mints for the browser's session. */
export async function gatewayToken(browser: FormBrowser): Promise<string> {
  const response = await browser.request("/authz");
  const token = response.headers.get("x-frontdesk-token");
  if (response.status !== 200 || !token) throw new Error(`/authz answered ${response.status}`);
  return token;
}
