import { type Html, hiddenInputs, html, time } from "./html.js";
import { layout } from "./layout.js";

/** "Continue with …" buttons above the password form. */
export function providerButtons(buttons: readonly { href: string; label: string }[]): Html {
  if (!buttons.length) return html``;
  return html`<div class="providers">${buttons.map((b) => html`<a class="button" href="${b.href}">${b.label}</a>`)}</div>
<p class="divider">or</p>`;
}

/** An upstream sign-in that did not work: what happened, and the ways on. */
export function upstreamFailurePage(input: {
  providerName: string;
  message: string;
  retryHref?: string;
  otherWayHref: string;
}): Html {
  return layout(
    `Sign-in with ${input.providerName} did not work`,
    html`<p class="error" role="alert">${input.message}</p>
<div class="actions">
${input.retryHref ? html`<a class="button" href="${input.retryHref}">Try ${input.providerName} again</a>` : ""}
<a class="button" href="${input.otherWayHref}">Use another way to sign in</a>
</div>`,
  );
}

/** An account already uses the provider's address: prove it is yours (sign in to it) to link, or start a new one. */
export function linkRequiredPage(input: {
  csrf: string;
  providerName: string;
  email: string;
  signInHref: string;
  offerNewAccount: boolean;
}): Html {
  return layout(
    "You may already have an account",
    html`<p>An account here already uses <strong>${input.email}</strong>. To sign in with ${input.providerName} from now on, sign in to that account once; ${input.providerName} is then linked to it.</p>
<div class="actions"><a class="button" href="${input.signInHref}">Sign in to link ${input.providerName}</a></div>
${
  input.offerNewAccount
    ? html`<form method="post" action="/upstream/link/new">${hiddenInputs({ csrf: input.csrf })}
<p class="hint">Not yours? The address is not confirmed on that account, so you can also start a separate account.</p>
<div class="actions"><button type="submit">Create a new account instead</button></div></form>`
    : ""
}
<form method="post" action="/upstream/link/cancel">${hiddenInputs({ csrf: input.csrf })}<div class="actions"><button type="submit">Cancel</button></div></form>`,
  );
}

/** After signing in: link the held identity to this account? */
export function confirmLinkPage(input: {
  csrf: string;
  providerName: string;
  email: string | null;
  username: string;
}): Html {
  return layout(
    `Link ${input.providerName}`,
    html`<p>Sign in with ${input.providerName}${input.email ? html` (<strong>${input.email}</strong>)` : ""} to the account <strong>${input.username}</strong> from now on?</p>
<form method="post" action="/upstream/link">${hiddenInputs({ csrf: input.csrf })}
<div class="actions"><button class="primary" type="submit">Link ${input.providerName}</button></div></form>
<form method="post" action="/upstream/link/cancel">${hiddenInputs({ csrf: input.csrf })}<div class="actions"><button type="submit">Cancel</button></div></form>`,
  );
}

export interface LinkedIdentityView {
  id: string;
  providerName: string;
  email: string | null;
  lastUsedAt: number;
}

/** The account page's section: linked providers (unlink unless it is the last way in), and link another. */
export function identitiesSection(input: {
  csrf: string;
  identities: LinkedIdentityView[];
  canUnlink: boolean;
  linkable: { href: string; label: string }[];
  notice?: string;
}): Html {
  const csrf = hiddenInputs({ csrf: input.csrf });
  return html`<h2 id="identities">Sign-in providers</h2>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${
  input.identities.length
    ? html`<table class="stack" aria-labelledby="identities">
<thead><tr><th scope="col">Provider</th><th scope="col">Account there</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${input.identities.map(
        (
          i,
        ) => html`<tr data-identity="${i.id}"><td>${i.providerName}</td><td data-label="Account there">${i.email ?? ""}</td><td data-label="Last used">${time(i.lastUsedAt)}</td>
<td>${
          input.canUnlink
            ? html`<form method="post" action="/account/identities/unlink">${csrf}${hiddenInputs({ identity: i.id })}<button class="small danger" type="submit" aria-label="Unlink ${i.providerName}">Unlink</button></form>`
            : ""
        }</td></tr>`,
      )}</tbody></table>
${input.canUnlink ? "" : html`<p class="hint">This is your only way to sign in: add a password before unlinking it.</p>`}`
    : html`<p class="muted">No provider is linked.</p>`
}
${input.linkable.length ? html`<ul class="links">${input.linkable.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : ""}`;
}
