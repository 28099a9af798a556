import { Html, hiddenInputs, html, time } from "./html.js";
import { layout } from "./layout.js";

/** What an enrolment form shows (see OneTimeCodes.startEnrolment). */
export interface EnrolmentFormInput {
  action: string;
  /** csrf, the enrolment handle, and what the form passes on (request, return_to). */
  hidden: Record<string, string | undefined>;
  secret: string;
  uri: string;
  /** The QR code: SVG markup the QR library made from the URI (no text of the person's in it). */
  qrSvg: string;
  error?: string;
}

/** Scan (or type) the secret, then prove it with a first code: only then is the app switched on. */
export function enrolmentForm(input: EnrolmentFormInput): Html {
  return html`<h2 id="otp-setup">Set up an authenticator app</h2>
<p>Scan this QR code with an authenticator app (such as Aegis, Google Authenticator, 1Password or Bitwarden).</p>
<figure class="qr">${new Html(input.qrSvg)}</figure>
<p>Or type this key into the app: <code id="otp-secret">${input.secret}</code></p>
<p class="hint">On this device? <a href="${input.uri}">Open it in your authenticator app</a>.</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
<form method="post" action="${input.action}">
${hiddenInputs(input.hidden)}
<label for="otp-code">The 6-digit code the app shows now</label>
${codeInput()}
<div class="actions block"><button class="primary" type="submit">Switch on</button></div>
</form>`;
}

function codeInput(): Html {
  return html`<input id="otp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus>`;
}

/** The account page's set-up, as a page of its own. */
export function enrolmentPage(form: Html, backHref: string): Html {
  return layout(
    "Set up one-time codes",
    html`${form}
<p><a href="${backHref}">Cancel</a></p>`,
  );
}

/** The one-time-code form on the second-factor page. */
export function oneTimeCodeSection(input: {
  csrf: string;
  request?: string;
  returnTo?: string;
  error?: string;
}): Html {
  return html`<h2 id="otp">Code from your authenticator app</h2>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
<form method="post" action="/login/one-time-codes">
${hiddenInputs({ csrf: input.csrf, request: input.request, return_to: input.returnTo })}
<label for="otp-code">6-digit code</label>
${codeInput()}
<div class="actions block"><button class="primary" type="submit">Continue</button></div>
</form>`;
}

/** "Use a recovery code" on the second-factor page (folded: it is the way out, not the way in). */
export function recoveryCodeSection(input: {
  csrf: string;
  request?: string;
  returnTo?: string;
  error?: string;
}): Html {
  return html`<details${input.error ? html` open` : ""}><summary>Use a recovery code</summary>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
<form method="post" action="/login/recovery-codes">
${hiddenInputs({ csrf: input.csrf, request: input.request, return_to: input.returnTo })}
<label for="recovery-code">Recovery code</label>
<input id="recovery-code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" required>
<div class="actions block"><button type="submit">Use this code</button></div>
</form></details>`;
}

/** Shown once, right after the codes are made: nothing stores them readable. */
export function recoveryCodesPage(input: {
  codes: readonly string[];
  next: { href: string } | { action: string; hidden: Record<string, string | undefined> };
}): Html {
  const next =
    "href" in input.next
      ? html`<p><a class="button primary" href="${input.next.href}">I have saved them</a></p>`
      : html`<form method="post" action="${input.next.action}">${hiddenInputs(input.next.hidden)}
<div class="actions block"><button class="primary" type="submit">I have saved them, continue</button></div></form>`;
  return layout(
    "Save your recovery codes",
    html`<p>If you lose your phone, each of these codes signs you in once instead of a code from the app. Store them somewhere safe, such as a password manager or a printout.</p>
<p class="notice" role="status">They are shown only now. You can make new ones from your account page (the old ones then stop working).</p>
<ul class="recovery-codes">${input.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
${next}`,
  );
}

/** Too many wrong codes: wait, or take another way. */
export function tooManyCodesPage(retryAfter: number, backHref: string): Html {
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  return layout(
    "Too many attempts",
    html`<p class="error" role="alert">Too many wrong codes. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.</p>
<p><a href="${backHref}">Go back</a> to use another way, such as a recovery code.</p>`,
  );
}

/** The account page's section: the app on or off, recovery codes left, and the forms. */
export function oneTimeCodesSection(input: {
  csrf: string;
  credential?: { createdAt: number; lastUsedAt: number | null };
  recoveryCodesLeft: number;
  /** Turning it off needs a recovery code (it is the last second factor, and this sign-in did not use it). */
  removalNeedsRecoveryCode: boolean;
  notice?: string;
}): Html {
  const csrf = hiddenInputs({ csrf: input.csrf });
  const notice = input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : "";
  if (!input.credential)
    return html`<h2 id="one-time-codes">Authenticator app</h2>
${notice}
<p class="muted">Not set up. With it, signing in asks for a 6-digit code from your phone after your password.</p>
<p><a class="button" href="/account/one-time-codes/setup">Set up an authenticator app</a></p>`;
  const c = input.credential;
  return html`<h2 id="one-time-codes">Authenticator app</h2>
${notice}
<p data-otp-state="on">On since ${time(c.createdAt)}${c.lastUsedAt ? html`, last used ${time(c.lastUsedAt)}` : ""}.</p>
<p data-recovery-codes-left="${String(input.recoveryCodesLeft)}">Recovery codes left: <strong>${String(input.recoveryCodesLeft)}</strong></p>
<form method="post" action="/account/recovery-codes/regenerate">${csrf}
<div class="actions"><button type="submit">Make new recovery codes</button></div></form>
<form method="post" action="/account/one-time-codes/remove">${csrf}
${
  input.removalNeedsRecoveryCode
    ? html`<p class="hint">It is your only second factor: enter a recovery code to turn it off, or sign in again with a code from the app.</p>
<label for="remove-recovery-code">Recovery code</label>
<input id="remove-recovery-code" name="recovery_code" type="text" autocomplete="off" spellcheck="false" maxlength="16">`
    : ""
}
<div class="actions"><button class="danger" type="submit">Turn off the authenticator app</button></div></form>`;
}
