import { type Html, hiddenInputs, html } from "./html.js";
import { layout } from "./layout.js";

export interface DeviceCodePageInput {
  csrf: string;
  /** Prefilled from `verification_uri_complete`, or what was typed before an error. */
  userCode?: string;
  error?: string;
}

/** The verification page (RFC 8628 §3.3): the person types the code their device shows. */
export function deviceCodePage(input: DeviceCodePageInput): Html {
  return layout(
    "Connect a device",
    html`<p>Enter the code shown on your device (TV, console, command line).</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
<form method="post" action="/device">
${hiddenInputs({ csrf: input.csrf })}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="32" placeholder="XXXX-XXXX" value="${input.userCode ?? ""}" autofocus>
<p class="hint">Only continue if you started this on a device in front of you. Nobody from support will ever ask you for this code.</p>
<div class="actions block"><button class="primary" type="submit">Continue</button></div>
</form>`,
  );
}

/** After the person answered: back to the device. */
export function deviceDonePage(approved: boolean): Html {
  return approved
    ? layout(
        "Device connected",
        html`<p class="notice">You can return to your device: it is signing in now.</p>
<p class="muted">You can close this window.</p>`,
      )
    : layout(
        "Access denied",
        html`<p class="notice">The device was not given access. You can return to your device.</p>
<p class="muted">You can close this window.</p>`,
      );
}
