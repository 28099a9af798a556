import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

export function logoutConfirmPage(input: {
  csrf: string;
  clientName?: string;
  fields: Record<string, string | undefined>;
}): Html {
  return layout(
    "Sign out?",
    html`<p>${input.clientName ? html`<strong>${input.clientName}</strong> asks to sign you out.` : "Do you want to sign out?"}</p>
<form method="post" action="/logout">
${hiddenInputs({ csrf: input.csrf, ...input.fields })}
<div class="actions">
<button class="primary" type="submit" name="decision" value="logout">Sign out</button>
<button type="submit" name="decision" value="stay">Stay signed in</button>
</div>
</form>`,
  );
}

export function signedOutPage(): Html {
  return layout("Signed out", html`<p>You are signed out. <a href="/login">Sign in again</a></p>`);
}
