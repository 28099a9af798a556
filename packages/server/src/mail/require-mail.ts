import { envName } from "../config/env.js";
import { ConfigError } from "../config/errors.js";
import type { Config } from "../config/schema.js";
import type { Mail } from "./mail-service.js";

/**
 * For a feature that cannot work without email (password reset, invitations): in
 * production, refuses to start it without SMTP, naming what to set; in development
 * the log stands in for SMTP. Call it first in the feature's `build`.
 */
export function requireMail(services: { config: Pick<Config, "mode">; mail: Mail }, feature: string): void {
  if (services.mail.delivery === "smtp" || services.config.mode !== "production") return;
  throw new ConfigError([
    `features.${feature} sends email: production mode needs smtpUrl (env ${envName("smtpUrl")} or "smtpUrl" in the file) and emailFrom; ` +
      `set them, or switch the feature off (features.${feature}.enabled=false)`,
  ]);
}
