import { type InteractionCheck, promptPage } from "../../interaction/checks.js";

/** The page the check sends a person to: confirm the address, or have the message sent again. */
export const CONFIRM_EMAIL = promptPage("confirm_email", "/signup/confirm-email");

/**
 * `email_verified`: with open registration and registrationRequiresVerifiedEmail, a
 * signed-in person whose address is not verified yet goes no further than this page
 * (a silent request gets `interaction_required`). People without an address pass:
 * nothing claims one for them.
 */
export const emailVerifiedCheck: InteractionCheck = {
  name: "email_verified",
  check: (f) =>
    f.user?.email && !f.user.emailVerified
      ? { prompt: CONFIRM_EMAIL, reason: "email_not_verified" }
      : undefined,
};
