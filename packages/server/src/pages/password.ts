import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../users/passwords.js";
import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

/** The request a sign-in page was for, passed from page to page. */
export interface PendingRequest {
  request?: string;
  returnTo?: string;
}

const alert = (error: string | undefined) => (error ? html`<p class="error" role="alert">${error}</p>` : "");

/** The account a password is for, shown read-only (and read by password managers). */
export function accountField(username: string): Html {
  return html`<label for="username">Account</label>
<input id="username" type="text" autocomplete="username" readonly value="${username}">`;
}

/** A new password, typed twice: the fields every page that sets one shares. */
export function newPasswordFields(label = "New password"): Html {
  return html`<label for="password">${label}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="${MAX_PASSWORD_LENGTH}" aria-describedby="password-hint">
<p class="hint" id="password-hint">At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong password; the most common passwords are refused.</p>
<label for="confirmation">Type it again</label>
<input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required maxlength="${MAX_PASSWORD_LENGTH}">`;
}

export function forgotPasswordPage(
  input: PendingRequest & { csrf: string; identifier?: string; error?: string },
): Html {
  return layout(
    "Reset your password",
    html`${alert(input.error)}
<p>Enter your username or email address. If an account exists, we email a link to set a new password.</p>
<form method="post" action="/login/forgot">
${hiddenInputs({ csrf: input.csrf, request: input.request, return_to: input.returnTo })}
<label for="identifier">Username or email address</label>
<input id="identifier" name="identifier" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${input.identifier ?? ""}" autofocus>
<div class="actions block"><button class="primary" type="submit">Email me a link</button></div>
</form>
<ul class="links"><li><a href="${signInHref(input)}">Back to sign in</a></li></ul>`,
  );
}

/** The one answer to a reset request, whether or not an account exists. */
export function resetLinkSentPage(input: PendingRequest & { identifier: string; minutes: number }): Html {
  return layout(
    "Check your email",
    html`<p class="notice" role="status">If an account exists for <strong>${input.identifier}</strong>, we sent a link to its email address.</p>
<p>The link works once, within ${input.minutes} minutes. Nothing arrived? Look in the spam folder, or <a href="${localHref("/login/forgot", input)}">ask for a new link</a>.</p>
<ul class="links"><li><a href="${signInHref(input)}">Back to sign in</a></li></ul>`,
  );
}

export function resetPasswordPage(input: {
  csrf: string;
  token: string;
  username: string;
  error?: string;
}): Html {
  return layout(
    "Choose a new password",
    html`${alert(input.error)}
<p>Setting it signs you out everywhere.</p>
<form method="post" action="/login/reset">
${hiddenInputs({ csrf: input.csrf, token: input.token })}
${accountField(input.username)}
${newPasswordFields()}
<div class="actions block"><button class="primary" type="submit">Set the new password</button></div>
</form>`,
  );
}

/** A link that is malformed, expired, already used or no longer matches the account. */
export function brokenLinkPage(input: { what: string; again: { href: string; label: string } }): Html {
  return layout(
    "This link does not work",
    html`<p class="error" role="alert">This ${input.what} link is invalid, has expired or was already used.</p>
<p>Links work once, for a limited time, and only until the password changes. <a href="${input.again.href}">${input.again.label}</a></p>`,
  );
}

export function changePasswordPage(input: {
  csrf: string;
  username: string;
  /** The account has a password: the current one is asked for. Otherwise one is added. */
  hasPassword: boolean;
  error?: string;
}): Html {
  return layout(
    input.hasPassword ? "Change your password" : "Add a password",
    html`${alert(input.error)}
<p>Changing it signs out your other sessions; this one stays.</p>
<form method="post" action="/account/password">
${hiddenInputs({ csrf: input.csrf })}
${accountField(input.username)}
${
  input.hasPassword
    ? html`<label for="current">Current password</label>
<input id="current" name="current" type="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD_LENGTH}" autofocus>`
    : ""
}
${newPasswordFields()}
<div class="actions"><button class="primary" type="submit">${input.hasPassword ? "Change the password" : "Add the password"}</button><a class="button" href="/account">Cancel</a></div>
</form>`,
  );
}

/** An account without a password adds one only right after signing in (the method it has). */
export function signInAgainPage(input: { csrf: string; returnTo: string }): Html {
  return layout(
    "Sign in again first",
    html`<p>To add a password, sign in again: it shows it is still you at this device.</p>
<form method="post" action="/account/sign-out">
${hiddenInputs({ csrf: input.csrf, return_to: input.returnTo })}
<div class="actions"><button class="primary" type="submit">Sign in again</button><a class="button" href="/account">Cancel</a></div>
</form>`,
  );
}

/** A local path with the pending request's parameters. */
export function localHref(path: string, pending: PendingRequest): string {
  const query = new URLSearchParams();
  if (pending.request) query.set("request", pending.request);
  if (pending.returnTo) query.set("return_to", pending.returnTo);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function signInHref(pending: PendingRequest): string {
  return localHref("/login", pending);
}
