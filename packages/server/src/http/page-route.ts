import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { OAuthError } from "../errors/oauth-errors.js";
import { errorPage } from "../pages/error.js";
import { sendPage } from "../pages/layout.js";
import { type CookieNames, readCookie } from "../sessions/cookies.js";
import type { Session, SessionService } from "../sessions/sessions.js";
import { isStoreUnavailable } from "../storage/unavailable.js";

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** Wraps a page route: any failure becomes a readable HTML error page, never JSON or a stack trace. */
export function pageRoute(ctx: { logger: Logger }, handler: Handler): Handler {
  return async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (error instanceof OAuthError && error.status < 500)
        return sendPage(
          reply,
          error.status,
          errorPage("Something is wrong with this request", error.description ?? error.code),
        );
      if (isStoreUnavailable(error)) {
        ctx.logger.warn({ err: { message: (error as Error).message } }, "backing store unavailable");
        return sendPage(
          reply.header("retry-after", "2"),
          503,
          errorPage("Temporarily unavailable", "Please try again in a moment."),
        );
      }
      ctx.logger.error({ err: error }, "unexpected error in page");
      return sendPage(reply, 500, errorPage("Something went wrong", "Please try again."));
    }
  };
}

/** The browser's live session, if any. */
export function currentSession(
  ctx: { sessions: SessionService; cookies: CookieNames },
  request: FastifyRequest,
): Promise<Session | undefined> {
  return ctx.sessions.resolve(readCookie(request, ctx.cookies.session));
}

/** Absolute path of this server with query parameters. */
export function localUrl(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header("cache-control", "no-store").header("location", location).send();
}
