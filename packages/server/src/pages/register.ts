import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";
import { accountField, newPasswordFields, type PendingRequest, signInHref } from "./password.js";

const alert = (error: string | undefined) => (error ? html`<p class="error" role="alert">${error}</p>` : "");

function usernameField(value: string | undefined): Html {
  return html`<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" pattern="[A-Za-z0-9._@+\\-]{1,64}" aria-describedby="username-hint" value="${value ?? ""}">
<p class="hint" id="username-hint">Letters, digits and . _ @ + - (up to 64).</p>`;
}

export function registerPage(
  input: PendingRequest & { csrf: string; username?: string; email?: string; error?: string },
): Html {
  return layout(
    "Create an account",
    html`${alert(input.error)}
<form method="post" action="/signup">
${hiddenInputs({ csrf: input.csrf, request: input.request, return_to: input.returnTo })}
${usernameField(input.username)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" autocapitalize="none" spellcheck="false" required maxlength="254" value="${input.email ?? ""}">
${newPasswordFields("Password")}
<div class="actions block"><button class="primary" type="submit">Create the account</button></div>
</form>
<ul class="links"><li><a href="${signInHref(input)}">I have an account: sign in</a></li></ul>`,
  );
}

/**
 * The answer to a registration that needs a verified address: the same whether the
 * account was created or the address already had one (that owner is emailed instead).
 */
export function registrationSentPage(input: PendingRequest & { email: string }): Html {
  return layout(
    "Check your email",
    html`<p class="notice" role="status">We sent a message to <strong>${input.email}</strong>.</p>
<p>Follow its link to confirm your address, then sign in. Nothing arrived? Look in the spam folder.</p>
<ul class="links"><li><a href="${signInHref(input)}">Sign in</a></li></ul>`,
  );
}

/** The `email_verified` check's page: an application waits until the person confirms their address. */
export function confirmEmailPage(input: {
  csrf: string;
  request: string;
  email: string;
  notice?: string;
  error?: string;
}): Html {
  return layout(
    "Confirm your email address",
    html`${alert(input.error)}${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
<p>Before you continue, confirm that <strong>${input.email}</strong> is yours: follow the link in the message we sent there.</p>
<form method="post" action="/signup/confirm-email">
${hiddenInputs({ csrf: input.csrf, request: input.request })}
<div class="actions">
<button class="primary" type="submit" name="action" value="continue">I have confirmed it: continue</button>
<button type="submit" name="action" value="resend">Send the message again</button>
</div>
</form>`,
  );
}

/**
 * The page an invitation link opens: the person picks a username (unless the
 * invitation names one) and a password. Where an upstream sign-in ("Continue with …")
 * will be offered, as the other way to accept.
 */
export function invitationPage(input: {
  csrf: string;
  token: string;
  email: string;
  /** Given by the invitation: shown, not editable. */
  username?: string;
  /** What the person typed (when the invitation names no username). */
  typedUsername?: string;
  error?: string;
}): Html {
  return layout(
    "Accept your invitation",
    html`${alert(input.error)}
<p>You were invited to create an account for <strong>${input.email}</strong>.</p>
<form method="post" action="/signup/invitation">
${hiddenInputs({ csrf: input.csrf, token: input.token })}
${input.username ? accountField(input.username) : usernameField(input.typedUsername)}
${newPasswordFields("Password")}
<div class="actions block"><button class="primary" type="submit">Create the account</button></div>
</form>`,
  );
}

export function registrationClosedPage(pending: PendingRequest & { byInvitation: boolean }): Html {
  return layout(
    "Registration is closed",
    html`<p class="error" role="alert">${
      pending.byInvitation
        ? "Accounts are created by invitation only here. Ask the people who run this service for an invitation."
        : "Accounts are created by the people who run this service. Ask them for one."
    }</p>
<ul class="links"><li><a href="${signInHref(pending)}">Sign in</a></li></ul>`,
  );
}
