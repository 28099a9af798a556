import type { FastifyInstance, FastifyRequest } from "fastify";
import { InvalidRequest } from "../errors/oauth-errors.js";

/** A parsed form body: every value kept, so repeated parameters can be refused. */
export type FormBody = Record<string, string[]>;

export function parseForm(text: string): FormBody {
  const body: FormBody = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const values = body[key] ?? [];
    values.push(value);
    body[key] = values;
  }
  return body;
}

/**
 * Makes `application/x-www-form-urlencoded` (OAuth's request format, and HTML
 * forms') the only body the server parses: JSON and text bodies are refused
 * before any route sees them.
 */
export function registerFormBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch {
      done(new InvalidRequest("malformed form body"), undefined);
    }
  });
}

/**
 * Parses `application/json` bodies in this (encapsulated) plugin as well: the admin
 * API and RFC 7591 registration take JSON. Malformed JSON is `invalid_request`.
 */
export function acceptJsonBody(app: FastifyInstance): void {
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new InvalidRequest("malformed JSON body"), undefined);
    }
  });
}

/**
 * The form body of an OAuth request. Fastify also parses JSON and text bodies;
 * OAuth endpoints take only `application/x-www-form-urlencoded`, so any other
 * content type (or a body without one) is `invalid_request`.
 */
export function formBody(request: FastifyRequest): FormBody | undefined {
  const type = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return request.body as FormBody | undefined;
  throw new InvalidRequest("unsupported content type: send application/x-www-form-urlencoded");
}
