import type { IncomingMessage } from "node:http";
import type { FastifyError, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import {
  InvalidRequest,
  OAuthError,
  PayloadTooLarge,
  ServerError,
  TemporarilyUnavailable,
} from "../errors/oauth-errors.js";
import { serializeOAuthError } from "../errors/serialize.js";
import { isStoreUnavailable } from "../storage/unavailable.js";

/** Maps Fastify's own request errors (bad content type, body too large, bad JSON) to OAuth errors. */
function fromFastify(error: FastifyError): OAuthError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new PayloadTooLarge("request body too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new InvalidRequest("unsupported content type: send application/x-www-form-urlencoded");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new InvalidRequest("malformed request body");
    default:
      return error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? new InvalidRequest("malformed request")
        : undefined;
  }
}

/** Converts any error into one OAuthError. Unexpected ones become server_error, logged, never shown. */
export function toOAuthError(error: unknown, logger: Logger): OAuthError {
  if (error instanceof OAuthError) return error;
  if (isStoreUnavailable(error)) {
    logger.warn({ err: { message: (error as Error).message } }, "backing store unavailable");
    return new TemporarilyUnavailable();
  }
  const mapped = fromFastify(error as FastifyError);
  if (mapped) return mapped;
  logger.error({ err: error }, "unexpected error");
  return new ServerError();
}

/** Bodies up to this size are read to the end before a 413 answers them (see drainBody). */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * Reads and discards the rest of a refused body. Answering while the client (a proxy
 * such as nginx) is still sending makes Node close the connection with unread data,
 * which resets it: the proxy then answers 502 instead of passing on our 413.
 */
function drainBody(raw: IncomingMessage, limit = DRAIN_LIMIT): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      raw.off("data", onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) done();
    };
    raw.on("data", onData);
    raw.once("end", done);
    raw.once("error", done);
    raw.once("close", done);
    raw.resume();
  });
}

/** The single error handler: JSON OAuth errors with no-store and the right challenge headers. */
export function registerErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler(async (error, request, reply) => {
    if ((error as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE") await drainBody(request.raw);
    const oauthError = toOAuthError(error, logger);
    const { status, headers, body } = serializeOAuthError(oauthError);
    if (status >= 500) request.log.warn({ code: oauthError.code }, "request failed");
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).header("cache-control", "no-store").send({ error: "not_found" }),
  );
}
