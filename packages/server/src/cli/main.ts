#!/usr/bin/env -S node --max-semi-space-size=4
// The small young generation keeps idle memory low (see bench/RESULTS.md); `env -S` passes the flag.
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/errors.js";
import { registerAudit } from "./commands/audit.js";
import { registerClientCommands } from "./commands/client.js";
import { registerJwtCommands } from "./commands/jwt.js";
import { registerKeys } from "./commands/keys.js";
import { registerMailCommands } from "./commands/mail.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerStart } from "./commands/start.js";
import { registerUpstreamCommands } from "./commands/upstream.js";
import { registerUserCommands } from "./commands/user.js";
import { CliError } from "./output.js";
import { packageVersion } from "./version.js";

const program = new Command("frontdesk")
  .description("Frontdesk: OAuth 2.1 / OpenID Connect authorization server and session service")
  .version(packageVersion(), "-V, --version", "print the version")
  .showHelpAfterError()
  .exitOverride();

registerStart(program);
registerClientCommands(program);
registerKeys(program);
registerUserCommands(program);
registerMailCommands(program);
registerUpstreamCommands(program);
registerMigrate(program);
registerAudit(program);
registerJwtCommands(program);

function fail(message: string, code: number): never {
  const json = process.argv.includes("--json");
  process.stderr.write(json ? `${JSON.stringify({ error: message })}\n` : `frontdesk: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError) fail(error.message, 2);
  if (error instanceof CliError) fail(error.message, error.exitCode);
  fail(`unexpected error: ${(error as Error).message}`, 1);
}
