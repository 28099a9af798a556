/** The admin API's OpenAPI document as tests read it, and a check of answers against its schemas. */

export interface Operation {
  operationId: string;
  tags?: string[];
  summary: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  enum?: string[];
  $ref?: string;
}
export interface Document {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string }>;
    schemas: Record<string, Schema>;
  };
}

/** Checks a value against the JSON Schema subset the document uses; returns the problems. */
export function problems(value: unknown, schema: Schema, doc: Document, at = "$"): string[] {
  if (schema.$ref) {
    const target = doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
    return target ? problems(value, target, doc, at) : [`${at}: unresolved ${schema.$ref}`];
  }
  const types = schema.type === undefined ? [] : [schema.type].flat();
  const actual =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : Number.isInteger(value)
          ? "integer"
          : typeof value;
  if (types.length && !types.includes(actual)) return [`${at}: ${actual}, documented ${types.join("|")}`];
  if (schema.enum && !schema.enum.includes(value as string)) return [`${at}: ${String(value)} not in enum`];
  const found: string[] = [];
  if (actual === "array" && schema.items)
    (value as unknown[]).forEach((item, i) => {
      found.push(...problems(item, schema.items as Schema, doc, `${at}[${i}]`));
    });
  if (actual === "object") {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) found.push(`${at}.${name}: missing`);
    for (const [name, inner] of Object.entries(object)) {
      const extra = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
      const property = schema.properties?.[name] ?? extra;
      if (schema.properties && !property) found.push(`${at}.${name}: undocumented`);
      else if (property) found.push(...problems(inner, property, doc, `${at}.${name}`));
    }
  }
  return found;
}
