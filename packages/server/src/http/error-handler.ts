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

/** The single error handler: JSON OAuth errors with no-store and the right challenge headers. */
export function registerErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const oauthError = toOAuthError(error, logger);
    const { status, headers, body } = serializeOAuthError(oauthError);
    if (status >= 500) request.log.warn({ code: oauthError.code }, "request failed");
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).header("cache-control", "no-store").send({ error: "not_found" }),
  );
}
