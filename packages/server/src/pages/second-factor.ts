import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

export interface SecondFactorPageInput {
  csrf: string;
  /** The pending request: cancelling refuses it (access_denied to the client). */
  request?: string;
  username: string;
  /** The factors' forms (each posts to its own route). */
  sections: readonly Html[];
  /** Step-up of an existing session, rather than the second step of a sign-in. */
  stepUp: boolean;
  /** Nothing can be offered here (no factor set up that reaches the level): how to go on instead. */
  signInAgainHref?: string;
  scripts?: readonly string[];
}

/** The second step of a sign-in (or a step-up): one section per factor, and a way out. */
export function secondFactorPage(input: SecondFactorPageInput): Html {
  const intro = input.stepUp
    ? "This needs a stronger sign-in. Confirm it is you."
    : "Your password is correct. Confirm it is you with your second step.";
  return layout(
    "Confirm it is you",
    html`<p>${intro} Signed in as <strong>${input.username}</strong>.</p>
${input.sections}
${
  input.signInAgainHref
    ? html`<p class="error" role="alert">This needs a second factor you have not set up here.</p>
<p><a href="${input.signInAgainHref}">Sign in again</a> to set one up, or ask your administrator.</p>`
    : ""
}
<form method="post" action="/login/second-factor/cancel">
${hiddenInputs({ csrf: input.csrf, request: input.request })}
<div class="actions block"><button type="submit">Cancel</button></div>
</form>`,
    { scripts: input.scripts ?? [] },
  );
}
