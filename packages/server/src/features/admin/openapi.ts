import type { describeClient } from "../../clients/registration.js";
import type { describeKey } from "../../keys/key-manager.js";
import type { describeUser } from "../../users/users.js";
import { type DocumentedRoute, integer, object, type Schema, string, strings } from "../admin-api.js";

/**
 * The admin API described as OpenAPI 3.1, served at `GET /admin/api/openapi.json`.
 * Each route of the `actions` table in `api.ts`, and of the features' `adminApi` parts,
 * carries its `RouteDoc`; the paths of the document are generated from those tables,
 * so a route cannot go undocumented.
 */

/** A reference to one of the shared schemas (User, Client, Key, Error). */
export const ref = (name: keyof typeof schemas): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Properties of exactly the fields a describe function prints (the compiler keeps them in step). */
type FieldsOf<F extends (...args: never[]) => object> = Record<keyof ReturnType<F>, Schema>;

const userFields: FieldsOf<typeof describeUser> = {
  id: string(),
  username: string(),
  name: { type: ["string", "null"], description: "display name; null: the username stands in" },
  email: { type: ["string", "null"] },
  email_verified: {
    type: "boolean",
    description:
      "true: the person followed a verification link sent to the address, or an operator vouched for it",
  },
  disabled: { type: "boolean", description: "true: the user cannot sign in" },
  tenant: { type: ["string", "null"] },
  roles: strings,
  created_at: integer("epoch seconds"),
};
const clientFields: FieldsOf<typeof describeClient> = {
  client_id: string(),
  name: string("shown on the consent page"),
  public: { type: "boolean", description: "true: no secret, PKCE only" },
  first_party: { type: "boolean", description: "true: consent is skipped" },
  grant_types: strings,
  scopes: strings,
  redirect_uris: strings,
  post_logout_redirect_uris: strings,
  previous_secret_expires_at: {
    type: ["integer", "null"],
    description:
      "until when (epoch seconds) the secret before the last rotation still works; null: it does not",
  },
  created_at: integer("epoch seconds"),
};
const keyFields: FieldsOf<typeof describeKey> = {
  kid: string(),
  alg: string(),
  state: { type: "string", enum: ["next", "active", "retired"] },
  created_at: integer("epoch seconds"),
  activated_at: { type: ["integer", "null"] },
  retired_at: { type: ["integer", "null"] },
};

const schemas = {
  User: object(userFields),
  Client: object(clientFields),
  Key: object(keyFields),
  Error: object({ error: string("an OAuth-style error code"), error_description: string() }, [
    "error_description",
  ]),
};

/** What each path parameter of the table names. */
const PATH_PARAMETERS: Record<string, string> = {
  user: "the user's id or username",
  client: "the client's id (client_id)",
};

/** The admin feature's own tags; `meta` is this document's. */
const TAGS: Record<string, string> = {
  users: "people who sign in",
  clients: "OAuth clients",
  keys: "signing keys",
  meta: "this description",
};

const errorAnswer = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("Error") } },
});

function operation(route: DocumentedRoute, fullPath: string, tag: string) {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  const parameters = [
    ...names.map((name) => {
      const description = route.doc.pathParameters?.[name] ?? PATH_PARAMETERS[name];
      if (!description) throw new Error(`admin API ${fullPath}: document path parameter "${name}"`);
      return { name, in: "path", required: true, description, schema: string() };
    }),
    ...Object.entries(route.doc.query ?? {}).map(([name, q]) => ({
      name,
      in: "query",
      required: false,
      description: q.description,
      schema: q.schema,
    })),
  ];
  return {
    operationId: route.doc.operation,
    tags: [tag],
    summary: route.doc.summary,
    ...(route.doc.description ? { description: route.doc.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.doc.body
      ? {
          requestBody: {
            required: true,
            description: route.doc.body.description,
            content: { "application/json": { schema: route.doc.body.schema } },
          },
        }
      : {}),
    responses: {
      "200": {
        description: route.doc.response.description,
        content: { "application/json": { schema: route.doc.response.schema } },
      },
      ...(route.doc.query || route.doc.body
        ? { "400": errorAnswer(route.doc.body ? "the body is invalid" : "a query parameter is invalid") }
        : {}),
      "401": errorAnswer("no token, or a token that is invalid, expired or for another audience"),
      "403": errorAnswer("the token lacks the admin scope"),
      ...(names.length ? { "404": errorAnswer(`no such ${names.join(" or ")}`) } : {}),
    },
  };
}

/** The OpenAPI 3.1 document of the admin API of the server at `issuer`. */
export function adminApiDocument(options: {
  issuer: string;
  prefix: string;
  scope: string;
  routes: readonly DocumentedRoute[];
  /** The path of the document itself, below the prefix. */
  documentPath: string;
  /** Descriptions of the features' tags. */
  tags?: Readonly<Record<string, string>>;
}) {
  const { issuer, prefix, scope, routes } = options;
  const tags = { ...TAGS, ...options.tags };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const fullPath = `${prefix}${route.path.replace(/:(\w+)/g, "{$1}")}`;
    const tag = route.path.split("/")[1] ?? "admin";
    paths[fullPath] = { ...paths[fullPath], [route.method.toLowerCase()]: operation(route, fullPath, tag) };
  }
  paths[`${prefix}${options.documentPath}`] = {
    get: {
      operationId: "describeAdminApi",
      tags: ["meta"],
      summary: "This document",
      security: [],
      responses: { "200": { description: "the OpenAPI 3.1 description of the admin API" } },
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Frontdesk admin API",
      version: "1",
      description: [
        "The CLI's user, client and key operations, and those of the enabled features (upstream providers), over HTTP.",
        `Every operation takes a Frontdesk access token (\`Authorization: Bearer …\`) with the \`${scope}\` scope, issued for the audience ${issuer}${prefix}:`,
        `register a machine client with \`frontdesk client create --name ops --grant-types client_credentials --scopes ${scope}\`,`,
        `then POST ${issuer}/token with grant_type=client_credentials and resource=${issuer}${prefix}.`,
      ].join(" "),
    },
    servers: [{ url: issuer }],
    security: [{ bearer: [] }, { dpop: [] }],
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: `A Frontdesk access token with the ${scope} scope for the audience ${issuer}${prefix} (client_credentials grant).`,
        },
        dpop: {
          type: "http",
          scheme: "DPoP",
          description: `The same token bound to a key (RFC 9449): \`Authorization: DPoP <token>\` with a \`DPoP\` proof header carrying \`ath\`; a DPoP-bound token is never accepted as Bearer.`,
        },
      },
      schemas,
    },
  };
}
