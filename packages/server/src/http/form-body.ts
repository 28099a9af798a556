import type { FastifyInstance } from "fastify";
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

/** Registers the `application/x-www-form-urlencoded` parser (OAuth's request format). */
export function registerFormBody(app: FastifyInstance): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch {
      done(new InvalidRequest("malformed form body"), undefined);
    }
  });
}
