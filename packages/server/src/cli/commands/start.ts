import type { Command } from "commander";
import { FLAGS } from "../../config/env.js";
import { createLogger, logDestination } from "../../logging/logger.js";
import { type RunningServer, startServer } from "../../main/server.js";
import { configFrom, type GlobalOptions, withGlobals } from "../run.js";

interface StartOptions extends GlobalOptions {
  port?: string;
  host?: string;
  issuer?: string;
}

/**
 * Under npm (`npx frontdesk start`, `npm start`) a signal reaches npm and its `sh -c`,
 * which die without passing it on: the server is left running as an orphan. So when
 * launched by npm, the server also stops (gracefully) when its launching process ends.
 */
function stopWithLauncher(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.npm_command && !env.npm_lifecycle_event) return;
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== launcher) {
      clearInterval(timer);
      stop();
    }
  }, 250);
  timer.unref();
}

/** `frontdesk start`: print `{url, issuer}` with --json, serve until SIGTERM/SIGINT (or its npm launcher ends), then finish in-flight requests and exit. */
export function registerStart(program: Command): void {
  withGlobals(program.command("start").description("start the server"))
    .option(`${FLAGS.port} <n>`, "port (env FRONTDESK_PORT)")
    .option(`${FLAGS.host} <h>`, "interface to bind (env FRONTDESK_HOST)")
    .option(`${FLAGS.issuer} <url>`, "public issuer URL (env FRONTDESK_ISSUER)")
    .action(async (options: StartOptions) => {
      const config = configFrom(options, { port: options.port, host: options.host, issuer: options.issuer });
      // Logs go to stdout; with --json to stderr, so that stdout is the one JSON object.
      const logger = createLogger(config.logLevel, logDestination(config.logFormat, options.json ? 2 : 1));
      // Handlers first: a signal arriving while the server starts (or just as it logs that
      // it listens) stops it gracefully once started, instead of killing it outright.
      let server: RunningServer | undefined;
      let stopRequested: string | undefined;
      let stopping = false;
      const stop = (signal: string) => {
        if (!server) {
          stopRequested ??= signal;
          return;
        }
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "shutting down: finishing in-flight requests");
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
      server = await startServer(config, logger);
      if (options.json)
        process.stdout.write(`${JSON.stringify({ url: server.url, issuer: config.issuer })}\n`);
      if (stopRequested) stop(stopRequested);
      stopWithLauncher(() => stop("launcher exited"));
    });
}
