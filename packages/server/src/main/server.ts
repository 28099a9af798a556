import type { IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { FLAGS, whereToSet } from "../config/env.js";
import { ConfigError } from "../config/errors.js";
import type { Config } from "../config/schema.js";
import type { CoreServices } from "../features/contract.js";
import { createLogger, logDestination } from "../logging/logger.js";
import { buildApp } from "./app.js";
import { closeContext, createContext } from "./services.js";

/** How long a shutdown waits for in-flight requests before closing every connection. */
export const SHUTDOWN_GRACE_MS = 20_000;

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  ctx: CoreServices;
  close(): Promise<void>;
}

/** Starts a server for a validated configuration. Port 0 picks a free port (tests). */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel, logDestination(config.logFormat)),
): Promise<RunningServer> {
  for (const warning of config.warnings) logger.warn(`CONFIG WARNING: ${warning}`);
  const ctx = await createContext(config, logger);
  const app = await buildApp(ctx);
  const unused = connectionsWithoutRequest(app);
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close().catch(() => {});
    await closeContext(ctx);
    const problem = listenProblem(error, config.host, config.port);
    throw problem ? new ConfigError([problem], { cause: error }) : error;
  }
  // What people open (the issuer) and what the socket is bound to are told apart:
  // `Frontdesk listening on http://localhost:3000 (bound to 127.0.0.1:3000)`.
  const bound = boundAddress(app.server.address(), config.host, config.port);
  logger.info(
    { url: address, issuer: config.issuer, bound, durable: ctx.durable.kind, fast: ctx.fast.kind },
    `Frontdesk listening on ${config.issuer} (bound to ${bound})`,
  );
  ctx.mail.announce();
  return {
    url: address,
    app,
    ctx,
    async close() {
      // In-flight requests finish; connections going idle meanwhile are closed as they do
      // (not after the keep-alive timeout), and after the grace period every one is.
      const sweep = setInterval(() => {
        app.server.closeIdleConnections();
        unused.close();
      }, 200);
      const deadline = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        clearTimeout(deadline);
      }
      await closeContext(ctx);
    },
  };
}

/**
 * The connections on which no byte of a request has come yet. Node's
 * closeIdleConnections leaves them open, so a client that opened one and sent nothing
 * (a browser's preconnect; Node 20 and 22's fetch, after an aborted request, opens a
 * replacement) would hold a graceful stop for the whole grace period. `close()` ends them.
 */
function connectionsWithoutRequest(app: FastifyInstance): { close(): void } {
  const unused = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  app.server.on("request", (request: IncomingMessage) => {
    unused.delete(request.socket);
  });
  return {
    close() {
      for (const socket of unused) if (socket.bytesRead === 0) socket.destroy();
    },
  };
}

/** The message for a failure to listen that the configuration can fix (port taken, host not here), or undefined. */
export function listenProblem(error: unknown, host: string, port: number): string | undefined {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case "EADDRINUSE":
      return `port ${port} is already in use on ${host}: stop the other process or choose another with ${FLAGS.port} / FRONTDESK_PORT`;
    case "EACCES":
      return `port ${port} on ${host}: permission denied (ports below 1024 need privileges); choose another with ${FLAGS.port} / FRONTDESK_PORT`;
    case "EADDRNOTAVAIL":
      return `host (${whereToSet("host")}): ${host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its addresses`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host (${whereToSet("host")}): ${host} does not resolve to an address; use 127.0.0.1, 0.0.0.0 or one of this machine's addresses`;
    default:
      return undefined;
  }
}

/** `127.0.0.1:3000`, `[::1]:3000`, `0.0.0.0:3000`: the interface and port the server listens on. */
function boundAddress(address: AddressInfo | string | null, host: string, port: number): string {
  if (!address || typeof address === "string") return address ?? `${host}:${port}`;
  return address.family === "IPv6"
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}
