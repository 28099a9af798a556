import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";
import { describeScope } from "./scopes.js";

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
${input.scopes.map((s) => html`<li>${describeScope(s)}</li>`)}
</ul>
<p class="muted">You can withdraw this at any time from <a href="/account">your account page</a>.</p>
<form method="post" action="/consent">
${hiddenInputs({ csrf: input.csrf, request: input.request })}
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  );
}
