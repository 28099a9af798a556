import type { Session } from "../sessions/sessions.js";
import { type Html, hiddenInputs, html, time } from "./html.js";
import { layout } from "./layout.js";
import { describeScope } from "./scopes.js";

export interface AccountPageInput {
  csrf: string;
  username: string;
  /** The user's address and whether it is verified. */
  email: string | null;
  emailVerified: boolean;
  currentSid: string;
  sessions: Session[];
  applications: { clientId: string; name: string; scopes: string[]; grantedAt: number }[];
  notice?: string;
  /** Whether the account has a password (change it) or not (add one). */
  hasPassword: boolean;
  /** Sections the features add (linked sign-in providers), after the password. */
  sections?: readonly Html[];
}

/** A short, readable device name from a User-Agent. */
export function deviceName(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Chrom(e|ium)\//.test(userAgent)
      ? "Chrome"
      : /Firefox\//.test(userAgent)
        ? "Firefox"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : undefined;
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : undefined;
  if (browser || os) return [browser, os].filter(Boolean).join(" on ");
  return userAgent ? userAgent.slice(0, 40) : "Unknown device";
}

export function accountPage(input: AccountPageInput): Html {
  const csrf = hiddenInputs({ csrf: input.csrf });
  const others = input.sessions.filter((s) => s.sid !== input.currentSid).length;
  const body = html`<p class="lead">Signed in as <strong>${input.username}</strong>.</p>
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${emailSection(input, csrf)}
<h2 id="sessions">Where you are signed in</h2>
<table class="stack" aria-labelledby="sessions">
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${input.sessions.map(
  (s) => html`<tr data-sid="${s.sid}">
<td>${deviceName(s.userAgent)}${s.sid === input.currentSid ? html`<span class="badge">This device</span>` : ""}</td>
<td data-label="IP address">${s.ip}</td>
<td data-label="Last seen">${time(s.lastSeen)}</td>
<td><form method="post" action="/account/sessions/end">${csrf}${hiddenInputs({ sid: s.sid })}<button class="danger small" type="submit">Sign out this one</button></form></td>
</tr>`,
)}
</tbody>
</table>
<form method="post" action="/account/sessions/end-others">${csrf}
<div class="actions"><button type="submit" ${others === 0 ? "disabled" : ""}>Sign out all others</button></div>
</form>
${others === 0 ? html`<p class="hint">You are not signed in anywhere else.</p>` : ""}
<h2 id="password">Password</h2>
<p>${input.hasPassword ? "Changing it signs you out everywhere else." : "Your account has no password: you sign in another way."}
<a href="/account/password">${input.hasPassword ? "Change your password" : "Add a password"}</a></p>
${input.sections ?? []}
<h2 id="apps">Applications with access</h2>
${
  input.applications.length
    ? html`<table class="stack" aria-labelledby="apps">
<thead><tr><th scope="col">Application</th><th scope="col">Access</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${input.applications.map(
  (a) => html`<tr data-client="${a.clientId}">
<td>${a.name}</td>
<td data-label="Access"><ul class="access">${a.scopes.map((scope) => html`<li>${describeScope(scope)}</li>`)}</ul></td>
<td data-label="Since">${time(a.grantedAt)}</td>
<td><form method="post" action="/account/applications/revoke">${csrf}${hiddenInputs({ client_id: a.clientId })}<button class="danger small" type="submit">Revoke access</button></form></td>
</tr>`,
)}
</tbody>
</table>`
    : html`<p class="muted">No application has access to your account.</p>`
}
<form method="post" action="/account/sign-out">${csrf}<div class="actions"><button type="submit">Sign out</button></div></form>`;
  return layout("Your account", body, { wide: true });
}

/** The address and its state; "send again" while it is not verified. */
function emailSection(input: AccountPageInput, csrf: Html): Html {
  if (!input.email)
    return html`<h2 id="email">Email address</h2>
<p class="muted">No email address.</p>`;
  if (input.emailVerified)
    return html`<h2 id="email">Email address</h2>
<p data-email-state="verified">${input.email}<span class="badge">Verified</span></p>`;
  return html`<h2 id="email">Email address</h2>
<p data-email-state="unverified">${input.email}<span class="badge warning">Not verified</span></p>
<p class="hint">Follow the link in the message sent to this address to confirm it.</p>
<form method="post" action="/account/email/verify">${csrf}
<div class="actions"><button type="submit">Send the verification message again</button></div>
</form>`;
}

/** What a verification link leads to: a button, so that a mail scanner opening the link changes nothing. */
export function confirmEmailPage(input: { csrf: string; token: string; email: string }): Html {
  return layout(
    "Confirm your email address",
    html`<p>Confirm that <strong>${input.email}</strong> is your email address.</p>
<form method="post" action="/account/verify-email">
${hiddenInputs({ csrf: input.csrf, token: input.token })}
<div class="actions block"><button class="primary" type="submit">Confirm my email address</button></div>
</form>`,
  );
}

export function emailVerifiedPage(input: { email: string }): Html {
  return layout(
    "Email address confirmed",
    html`<p class="notice" role="status"><strong>${input.email}</strong> is confirmed as your email address.</p>
<p><a class="button" href="/account">Your account</a></p>`,
  );
}
