import { type Html, html } from "./html.js";

/** What each scope means, in words a person can judge. */
const SCOPE_TEXT: Record<string, string> = {
  openid: "Confirm who you are (your account identifier)",
  profile: "See your username and profile",
  email: "See your e-mail address",
  offline_access: "Keep access while you are not signed in",
};

/** A scope in words, or its name for scopes the server has no text for. */
export function describeScope(scope: string): Html | string {
  return SCOPE_TEXT[scope] ?? html`Use <code>${scope}</code>`;
}
