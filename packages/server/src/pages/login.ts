import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";
import { providerButtons } from "./upstream.js";

export interface LoginPageInput {
  csrf: string;
  /** Pending authorization request, when sign-in is part of one. */
  request?: string;
  /** Local path to return to after sign-in (forward-auth). */
  returnTo?: string;
  clientName?: string;
  username?: string;
  error?: string;
  /** Links the features add under the form ("Forgot password?", "Create an account"), with the request passed on. */
  links?: readonly { href: string; label: string }[];
  /** A confirmation to show above the form (a password was reset). */
  notice?: string;
  /** Other ways to sign in ("Continue with …"), above the form. */
  buttons?: readonly { href: string; label: string }[];
  /** An address typed as the username may be sent to a company's provider: the password is then not asked for up front. */
  identifierFirst?: boolean;
  /** Blocks other sign-in methods add under their buttons (a passkey button). */
  blocks?: readonly Html[];
  /** Autocomplete tokens other methods add to the username field (`webauthn`). */
  usernameAutocomplete?: readonly string[];
  /** Scripts of this origin the methods load. */
  scripts?: readonly string[];
}

export function loginPage(input: LoginPageInput): Html {
  return layout(
    "Sign in",
    html`${input.clientName ? html`<p>to continue to <strong>${input.clientName}</strong></p>` : ""}
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
${providerButtons(input.buttons ?? [])}
${input.blocks ?? []}
<form method="post" action="/login">
${hiddenInputs({ csrf: input.csrf, request: input.request, return_to: input.returnTo })}
<label for="username">${input.identifierFirst ? "Username or work email" : "Username"}</label>
<input id="username" name="username" type="text" autocomplete="${["username", ...(input.usernameAutocomplete ?? [])].join(" ")}" autocapitalize="none" spellcheck="false" required maxlength="254" value="${input.username ?? ""}" ${input.username ? "" : "autofocus"} ${input.identifierFirst ? html`aria-describedby="identifier-hint"` : ""}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" ${input.identifierFirst ? "" : "required"} maxlength="1024" ${input.username ? "autofocus" : ""}>
${input.identifierFirst ? html`<p class="hint" id="identifier-hint">With a work email at a company that uses single sign-on, leave the password empty: you go to your company's sign-in.</p>` : ""}
<div class="actions block"><button class="primary" type="submit">Sign in</button></div>
</form>
${input.links?.length ? html`<ul class="links">${input.links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : ""}`,
    { scripts: input.scripts ?? [] },
  );
}
