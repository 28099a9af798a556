import { setTimeout as wait } from "node:timers/promises";
import { Secret, TOTP } from "otpauth";
import { expect } from "vitest";
import { FormBrowser } from "../../helpers/browser.js";
import type { TestServer } from "../../helpers/server.js";
import { makeUser } from "../../helpers/users.js";

const PERIOD = 30_000;

/** The code an authenticator app with this secret shows at `at` (ms; default now). */
export function codeAt(secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({
    timestamp: at,
  });
}

/**
 * Codes are computed here and checked by the server a moment later: a test that means
 * "the previous step" waits out the last seconds of a step first, so the server is not
 * already one step on (the server's clock cannot be set from a test).
 */
export async function awayFromStepEdge(): Promise<void> {
  const left = PERIOD - (Date.now() % PERIOD);
  if (left < 3_000) await wait(left + 100);
}

export const unique = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 9)}`;

/** A new person with a password. */
export function person(server: TestServer) {
  return makeUser(server.ctx, unique("otp"));
}

/** The secret an enrolment form shows (the text form, next to its QR code). */
export function secretOn(page: string): string {
  const secret = /<code id="otp-secret">([A-Z2-7]+)<\/code>/.exec(page)?.[1];
  if (!secret) throw new Error(`no secret on page: ${page.slice(0, 300)}`);
  return secret;
}

/** The recovery codes a page shows once. */
export function recoveryCodesOn(page: string): string[] {
  return [...page.matchAll(/<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})<\/code><\/li>/g)].map((m) => m[1] as string);
}

/** Username and password on the sign-in page (following from `start`), as a browser without JavaScript. */
export async function passwordStep(
  browser: FormBrowser,
  who: { username: string; password: string },
  start = "/login",
) {
  const login = await browser.follow(start);
  const done = await browser.submit(await login.response.text(), {
    username: who.username,
    password: who.password,
  });
  return { ...done, text: await done.response.text() };
}

/** Signs in with the password only (the person has no second factor yet): the browser holds a session. */
export async function signedIn(server: TestServer, who: { username: string; password: string }) {
  const browser = new FormBrowser(server.url);
  const done = await passwordStep(browser, who);
  expect(new URL(done.url).pathname).toBe("/account");
  return browser;
}

/**
 * Sets up the authenticator app from the account page of a fresh session; the first
 * code is the previous step's (`at`), so the current step is still unused afterwards.
 */
export async function enrolFromAccount(browser: FormBrowser, at = Date.now() - PERIOD) {
  const setup = await browser.follow("/account/one-time-codes/setup");
  expect(new URL(setup.url).pathname).toBe("/account/one-time-codes/setup");
  const page = await setup.response.text();
  const secret = secretOn(page);
  const done = await browser.submit(page, { code: codeAt(secret, at) });
  expect(done.response.status).toBe(200);
  const text = await done.response.text();
  const recoveryCodes = recoveryCodesOn(text);
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes, page, text };
}

/** A person with an authenticator app set up (and their ten recovery codes). */
export async function enrolledPerson(server: TestServer, at?: number) {
  const who = await person(server);
  const browser = await signedIn(server, who);
  await awayFromStepEdge();
  const enrolled = await enrolFromAccount(browser, at ?? Date.now() - PERIOD);
  return { ...who, ...enrolled };
}

/** Password, then the second-factor page: the browser holds a sign-in, no session. */
export async function heldAfterPassword(server: TestServer, who: { username: string; password: string }) {
  const browser = new FormBrowser(server.url);
  const done = await passwordStep(browser, who);
  expect(new URL(done.url).pathname).toBe("/login/second-factor");
  expect(browser.cookie("frontdesk_session")).toBeUndefined();
  return { browser, page: done.text, url: done.url };
}
