import { z } from "zod";
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
  options: z.object({
    /** Reset requests per hour for one username or address, whether it has an account or not. */
    requestsPerAddress: z.coerce.number().int().min(1).max(100).default(5),
    /** Reset requests per hour from one IP address, over all names (raise it behind a shared NAT). */
    requestsPerIp: z.coerce.number().int().min(1).max(10_000).default(30),
  }),
  build: (services, options) => {
    requireMail(services, "passwordReset");
    const afterAnswer = new AfterAnswer(services.logger);
    return {
      routes: passwordResetRoutes(services, afterAnswer, {
        perAddress: options.requestsPerAddress,
        perIp: options.requestsPerIp,
      }),
      signInLinks: [{ path: "/login/forgot", label: "Forgot password?" }],
      workers: [afterAnswer],
    };
  },
});
