import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

/** Shown when a request cannot be returned to the client: never a redirect. */
export function errorPage(title: string, message: string): Html {
  return layout(
    title,
    html`<p class="error" role="alert">${message}</p>
<p class="muted">You can close this window, or go back to the application and try again.</p>`,
  );
}

/** A signed-in person may not see this page: say so, and offer to sign out or switch account. */
export function notAllowedPage(input: {
  csrf: string;
  username: string;
  message: string;
  returnTo: string;
}): Html {
  return layout(
    "Not allowed",
    html`<p class="error" role="alert">${input.message}</p>
<p>You are signed in as <strong>${input.username}</strong>.</p>
<form method="post" action="/account/sign-out">
${hiddenInputs({ csrf: input.csrf, return_to: input.returnTo })}
<div class="actions">
<button class="primary" type="submit">Sign in as someone else</button>
<a class="button" href="/account">Your account</a>
</div>
</form>`,
  );
}
