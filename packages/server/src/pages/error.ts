import { type Html, html } from "./html.js";
import { layout } from "./layout.js";

/** Shown when a request cannot be returned to the client: never a redirect. */
export function errorPage(title: string, message: string): Html {
  return layout(
    title,
    html`<p class="error" role="alert">${message}</p>
<p class="muted">You can close this window, or go back to the application and try again.</p>`,
  );
}
