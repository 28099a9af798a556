import { InvalidRequest } from "../errors/oauth-errors.js";

/**
 * Reads a form or query as single-valued parameters. OAuth parameters must not
 * be repeated (RFC 6749 3.1, 3.2): a repeated one is `invalid_request`. Empty
 * values count as absent.
 */
export function singleValued(body: unknown, what = "request body"): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body))
    throw new InvalidRequest(`${what} must be form-encoded`);
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(body as Record<string, string | string[]>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.length > 1) throw new InvalidRequest(`parameter "${key}" is repeated`);
    const [first] = values;
    if (typeof first === "string" && first !== "") out[key] = first;
  }
  return out;
}

/** A required parameter, or invalid_request naming it. */
export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new InvalidRequest(`missing parameter "${name}"`);
  return value;
}

/** One value of a multi-valued parameter map: repeated is `invalid_request`, empty is absent. */
export function singleParam(params: Record<string, string[]>, name: string): string | undefined {
  const values = params[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidRequest(`parameter "${name}" is repeated`);
  return values[0] === "" ? undefined : values[0];
}
