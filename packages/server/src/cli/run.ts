import type { Command } from "commander";
import { FLAGS } from "../config/env.js";
import type { Config } from "../config/schema.js";
import type { CoreServices } from "../features/contract.js";
import { createLogger, logDestination } from "../logging/logger.js";
import { loadServerConfig } from "../main/config.js";
import { closeContext, createContext } from "../main/services.js";
import { createOutput, type Output } from "./output.js";

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/** Adds the options every command takes. */
export function withGlobals(command: Command): Command {
  return command
    .option(`${FLAGS.dataDir} <dir>`, "data directory (env FRONTDESK_DATA_DIR)")
    .option("--config <file>", "configuration file (JSON)")
    .option("--json", "print one JSON object");
}

export function configFrom(options: GlobalOptions, flags: Record<string, unknown> = {}): Config {
  return loadServerConfig({ flags: { dataDir: options.dataDir, ...flags }, configFile: options.config });
}

/** Runs an administrative action against the same stores a server uses (they may share them). */
export async function withContext(
  options: GlobalOptions,
  action: (ctx: CoreServices, out: Output) => Promise<void>,
): Promise<void> {
  const config = configFrom(options);
  // Administrative commands log problems and audit lines (`user.delete`) on stderr:
  // stdout carries only the result.
  const logger = createLogger(
    config.logLevel === "silent" ? "silent" : "info",
    logDestination(config.logFormat, 2),
  );
  const ctx = await createContext(config, logger);
  try {
    await action(ctx, createOutput(Boolean(options.json)));
  } finally {
    await closeContext(ctx);
  }
}
