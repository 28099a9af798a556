import { localUrl } from "../http/page-route.js";

/** Where an interaction continues after a page (sign-in, consent, a feature's prompt) is done. */
export const RESUME_PATH = "/authorize/resume";

export function resumeUrl(interactionId: string): string {
  return localUrl(RESUME_PATH, { request: interactionId });
}

/** The second step of a sign-in (a one-time code, a passkey), and step-up of a session. */
export const SECOND_FACTOR_PATH = "/login/second-factor";
