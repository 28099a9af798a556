import { InvalidRequest } from "../errors/oauth-errors.js";

/**
 * The admin API's route table, shared by the admin feature (which serves and documents
 * it) and the features that add routes to it (`adminApi` part): a route's method, path,
 * OpenAPI description and action. The admin feature authenticates every call; a
 * feature's routes exist only while both it and the admin feature are enabled.
 */

/** The part of JSON Schema 2020-12 (OpenAPI 3.1's schema dialect) these descriptions use. */
export interface Schema {
  type?: "string" | "integer" | "boolean" | "object" | "array" | ["string" | "integer" | "object", "null"];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: string[];
  $ref?: string;
}

/** What a route of the admin API documents about itself. */
export interface RouteDoc {
  /** Unique name of the operation (`operationId`). */
  operation: string;
  summary: string;
  description?: string;
  /** Path parameters the admin feature does not already describe (`user`, `client`). */
  pathParameters?: Record<string, string>;
  /** Optional query parameters. */
  query?: Record<string, { description: string; schema: Schema }>;
  /** A JSON request body, required. */
  body?: { description: string; schema: Schema };
  /** The 200 answer. */
  response: { description: string; schema: Schema };
}

export interface DocumentedRoute {
  method: "GET" | "POST" | "DELETE";
  /** Fastify form, below the prefix: `/users/:user/revoke`. */
  path: string;
  doc: RouteDoc;
}

/** A route's action: its answer (JSON), or an OAuth error (`InvalidRequest`, `NotFound`) thrown. */
export type AdminAct = (
  params: Record<string, string>,
  query: Record<string, string>,
  body: unknown,
) => Promise<Record<string, unknown>>;

export interface AdminRoute extends DocumentedRoute {
  act: AdminAct;
}

/** What a feature adds to the admin API. */
export interface AdminApiPart {
  routes: readonly AdminRoute[];
  /** Descriptions of the tags (a route's first path segment) the admin feature does not know. */
  tags?: Readonly<Record<string, string>>;
}

export const string = (description?: string): Schema => ({
  type: "string",
  ...(description ? { description } : {}),
});
export const integer = (description?: string): Schema => ({
  type: "integer",
  ...(description ? { description } : {}),
});
export const listOf = (items: Schema, description?: string): Schema => ({
  type: "array",
  items,
  ...(description ? { description } : {}),
});
export const strings: Schema = listOf({ type: "string" });
export const boolean = (description?: string): Schema => ({
  type: "boolean",
  ...(description ? { description } : {}),
});

/** An object whose every listed property is required. */
export function object(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((p) => !optional.includes(p)),
  };
}

/** A JSON object body with only the `allowed` fields, and readers of its fields by type. */
export function jsonObject(body: unknown, allowed: readonly string[]) {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new InvalidRequest("the body must be a JSON object (content-type: application/json)");
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new InvalidRequest(`unknown field(s) ${unknown.join(", ")}`);
  const text = (name: string) => {
    if (b[name] !== undefined && typeof b[name] !== "string") throw new InvalidRequest(`${name}: a string`);
    return b[name] as string | undefined;
  };
  const list = (name: string) => {
    const value = b[name];
    if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === "string")))
      throw new InvalidRequest(`${name}: a list of strings`);
    return value as string[] | undefined;
  };
  const flag = (name: string) => {
    if (b[name] !== undefined && typeof b[name] !== "boolean")
      throw new InvalidRequest(`${name}: true or false`);
    return b[name] as boolean | undefined;
  };
  return { b, text, list, flag };
}
