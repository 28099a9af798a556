import { requireMail } from "../../mail/require-mail.js";
import { defineFeature } from "../contract.js";
import { AfterAnswer } from "./background.js";
import { passwordResetRoutes } from "./routes.js";

/**
 * "Forgot password?": a single-use link by email, then a new password. Off by default:
 * it makes the mailbox a way into the account, which is each deployment's call; in
 * production it needs SMTP (smtpUrl).
 */
export const passwordResetFeature = defineFeature({
  name: "passwordReset",
  enabledByDefault: false,
  build: (services) => {
    requireMail(services, "passwordReset");
    const afterAnswer = new AfterAnswer(services.logger);
    return {
      routes: passwordResetRoutes(services, afterAnswer),
      signInLinks: [{ path: "/login/forgot", label: "Forgot password?" }],
      workers: [afterAnswer],
    };
  },
});
