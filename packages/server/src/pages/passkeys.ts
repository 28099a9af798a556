import { type Html, hiddenInputs, html, time } from "./html.js";
import { layout } from "./layout.js";

/** The one script of the passkey calls, served from this origin. */
export const PASSKEYS_SCRIPT_PATH = "/assets/passkeys.js";

/**
 * What the script reads from a passkey block: which ceremony (`data-passkey`), where
 * it posts the answer (`data-action`), and what the answer carries on. Without
 * JavaScript the block's button stays hidden and its hint says why.
 */
interface PasskeyBlock {
  kind: "sign-in" | "second-factor" | "register" | "enrol";
  action: string;
  csrf?: string;
  request?: string;
  returnTo?: string;
}

function block(input: PasskeyBlock, label: string, inner: Html = html``): Html {
  return html`<div class="passkey" data-passkey="${input.kind}" data-action="${input.action}" ${input.csrf ? html`data-csrf="${input.csrf}"` : ""} ${input.request ? html`data-request="${input.request}"` : ""} ${input.returnTo ? html`data-return-to="${input.returnTo}"` : ""}>
${inner}
<p class="error" role="alert" data-passkey-status hidden></p>
<p class="hint" data-passkey-nojs>Using a passkey needs JavaScript in this browser.</p>
<div class="actions block"><button class="primary" type="button" data-passkey-start hidden>${label}</button></div>
</div>`;
}

/**
 * The sign-in page's passkey button: the script reads the form's token and pending
 * request from the password form, and offers passkeys in the username field's autofill.
 * The whole block stays hidden without JavaScript (the password form works alone).
 */
export function passkeySignInBlock(): Html {
  return html`<div hidden data-passkey-sign-in>${block({ kind: "sign-in", action: "/passkeys/sign-in" }, "Sign in with a passkey")}
<p class="divider">or</p></div>`;
}

/** The second-factor page's passkey part: use one, or (right after a first factor) set one up. */
export function passkeySecondFactorSection(input: {
  csrf: string;
  request?: string;
  returnTo?: string;
  enrolled: boolean;
  enrolling: boolean;
  error?: string;
}): Html {
  const carried = { csrf: input.csrf, request: input.request, returnTo: input.returnTo };
  return html`<h2 id="passkey">Passkey</h2>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
${input.enrolled ? block({ kind: "second-factor", action: "/passkeys/second-factor", ...carried }, "Use your passkey") : ""}
${
  input.enrolling
    ? html`<p>Set up a passkey now: your device or security key then confirms it is you at every sign-in.</p>
${block({ kind: "enrol", action: "/passkeys/enrol", ...carried }, "Create a passkey", nameField())}`
    : ""
}`;
}

function nameField(): Html {
  return html`<label for="passkey-name">Name for this passkey</label>
<input id="passkey-name" name="name" type="text" maxlength="64" placeholder="Passkey" autocomplete="off" aria-describedby="passkey-name-hint">
<p class="hint" id="passkey-name-hint">To tell your passkeys apart, for example "Work laptop".</p>`;
}

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Backed up by a passkey provider (synced across devices), rather than bound to one device. */
  synced: boolean;
}

/** The account page's section: the person's passkeys (remove one), and a link to add one. */
export function passkeysSection(input: {
  csrf: string;
  passkeys: readonly PasskeyView[];
  notice?: string;
  /** Removing would leave no second factor and this session did not use a passkey: ask for a recovery code. */
  recoveryCodeField?: boolean;
}): Html {
  const csrf = hiddenInputs({ csrf: input.csrf });
  return html`<h2 id="passkeys">Passkeys</h2>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${
  input.passkeys.length
    ? html`<table class="stack" aria-labelledby="passkeys">
<thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${input.passkeys.map(
        (
          p,
        ) => html`<tr data-passkey-id="${p.id}"><td>${p.name}</td><td data-label="Kind">${p.synced ? "Synced" : "This device only"}</td>
<td data-label="Added">${time(p.createdAt)}</td><td data-label="Last used">${p.lastUsedAt === null ? "Never" : time(p.lastUsedAt)}</td>
<td><form method="post" action="/account/passkeys/remove">${csrf}${hiddenInputs({ passkey: p.id })}${
          input.recoveryCodeField
            ? html`<label for="passkey-recovery-${p.id}">Recovery code (needed to remove your last second step)</label>
<input id="passkey-recovery-${p.id}" name="recovery_code" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="32">`
            : ""
        }<button class="small danger" type="submit" aria-label="Remove ${p.name}">Remove</button></form></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">You have no passkey. With one, you sign in without a password, and it confirms it is you after one.</p>`
}
<ul class="links"><li><a href="/account/passkeys/new">Add a passkey</a></li></ul>`;
}

/** Adding a passkey from the account page: only right after signing in. */
export function newPasskeyPage(input: { csrf: string; fresh: boolean; signInHref: string }): Html {
  return layout(
    "Add a passkey",
    input.fresh
      ? html`<p>Your device or security key makes the passkey and asks you to confirm (fingerprint, face, PIN).</p>
${block({ kind: "register", action: "/account/passkeys", csrf: input.csrf }, "Create a passkey", nameField())}
<p><a href="/account">Back to your account</a></p>`
      : html`<p class="notice" role="status">For your security, sign in again to add a passkey.</p>
<div class="actions"><a class="button" href="${input.signInHref}">Sign in again</a> <a class="button" href="/account">Back to your account</a></div>`,
    { scripts: input.fresh ? [PASSKEYS_SCRIPT_PATH] : [] },
  );
}

/** A passkey answer that was refused: what happened, and the way back. */
export function passkeyFailurePage(message: string, retryHref: string): Html {
  return layout(
    "The passkey was not accepted",
    html`<p class="error" role="alert">${message}</p>
<div class="actions"><a class="button" href="${retryHref}">Try again</a></div>`,
  );
}
