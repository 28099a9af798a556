import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

/** What each scope means, in words a person can judge. */
const SCOPE_TEXT: Record<string, string> = {
  openid: "Confirm who you are (your account identifier)",
  profile: "See your username and profile",
  email: "See your e-mail address",
  offline_access: "Keep access while you are not signed in",
};

export interface ConsentPageInput {
  csrf: string;
  request: string;
  clientName: string;
  username: string;
  scopes: string[];
}

export function consentPage(input: ConsentPageInput): Html {
  return layout(
    "Allow access?",
    html`<p><strong>${input.clientName}</strong> is asking to access your account <strong>${input.username}</strong>. It will be able to:</p>
<ul class="scopes">
${input.scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? html`Use <code>${s}</code>`}</li>`)}
</ul>
<p class="muted">You can withdraw this at any time from your account page.</p>
<form method="post" action="/consent">
${hiddenInputs({ csrf: input.csrf, request: input.request })}
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  );
}
