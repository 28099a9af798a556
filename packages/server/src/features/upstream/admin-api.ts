import type { Logger } from "pino";
import { InvalidRequest, NotFound } from "../../errors/oauth-errors.js";
import type { DurableStore } from "../../storage/durable/types.js";
import { findUser } from "../../users/users.js";
import {
  type AdminApiPart,
  boolean,
  integer,
  jsonObject,
  listOf,
  object,
  type Schema,
  string,
  strings,
} from "../admin-api.js";
import {
  addProvider,
  describeIdentity,
  describeProvider,
  type OperatorProvider,
  removeIdentity,
  removeProvider,
} from "./operator.js";
import { InvalidProviderInput, type UpstreamProviders } from "./providers.js";
import type { PresetName, ProviderKind } from "./records.js";
import type { IdentityRepository } from "./repositories.js";

/** The JSON field of each `frontdesk upstream add` flag: the provider code's messages name flags. */
const FIELD_OF_FLAG: Record<string, string> = {
  "--id": "id",
  "--name": "name",
  "--kind": "kind",
  "--preset": "preset",
  "--issuer": "issuer",
  "--client-id": "client_id",
  "--client-secret": "client_secret",
  "--client-secret-stdin": "client_secret",
  "--scopes": "scopes",
  "--trust-email": "trust_email",
  "--domains": "domains",
  "--authorization-endpoint": "authorization_endpoint",
  "--token-endpoint": "token_endpoint",
  "--userinfo-endpoint": "userinfo_endpoint",
  "--claims": "claims",
  "--apple-team-id": "apple_team_id",
  "--apple-key-id": "apple_key_id",
  "--apple-private-key-file": "apple_private_key",
};

function inFieldNames(message: string): string {
  return message
    .replace(/--[a-z-]+/g, (flag) => FIELD_OF_FLAG[flag] ?? flag)
    .replace(/\b(\w+) or \1\b/g, "$1");
}

/** The body of POST /admin/api/upstreams: the flags of `frontdesk upstream add`, as JSON fields. */
function newProviderFrom(body: unknown): OperatorProvider {
  const { b, text, list, flag } = jsonObject(body, Object.values(FIELD_OF_FLAG));
  const id = text("id");
  const clientId = text("client_id");
  if (id === undefined) throw new InvalidRequest("id: required");
  if (clientId === undefined) throw new InvalidRequest("client_id: required (the provider gives it)");
  const claims = b.claims;
  if (
    claims !== undefined &&
    (!claims ||
      typeof claims !== "object" ||
      Array.isArray(claims) ||
      !Object.values(claims).every((v) => typeof v === "string"))
  )
    throw new InvalidRequest('claims: an object of local claim to upstream field ({"sub": "id"})');
  return {
    id,
    clientId,
    name: text("name"),
    kind: text("kind") as ProviderKind | undefined,
    preset: text("preset") as PresetName | undefined,
    issuer: text("issuer"),
    clientSecret: text("client_secret"),
    scopes: list("scopes"),
    trustEmail: flag("trust_email"),
    domains: list("domains"),
    authorizationEndpoint: text("authorization_endpoint"),
    tokenEndpoint: text("token_endpoint"),
    userinfoEndpoint: text("userinfo_endpoint"),
    claims: claims as Record<string, string> | undefined,
    appleTeamId: text("apple_team_id"),
    appleKeyId: text("apple_key_id"),
    applePrivateKey: text("apple_private_key"),
  };
}

const nullableString = (description?: string): Schema => ({
  type: ["string", "null"],
  ...(description ? { description } : {}),
});

const providerSchema = object({
  id: string("in the callback path /upstream/<id>/callback"),
  name: string("shown as “Continue with <name>”"),
  kind: { type: "string", enum: ["oidc", "oauth2"] },
  preset: nullableString("github, google, microsoft, apple or gitlab; null: none"),
  issuer: string("the upstream issuer (identities are keyed by it)"),
  client_id: string(),
  redirect_uri: string("the callback URL registered at the provider"),
  scopes: strings,
  trust_email: boolean("true: the provider's verified address may link an existing account automatically"),
  domains: listOf(string(), "addresses at these domains typed on the sign-in page go to this provider"),
  authorization_endpoint: nullableString("null: from discovery"),
  token_endpoint: nullableString("null: from discovery"),
  userinfo_endpoint: nullableString("null: from discovery"),
  claims: {
    type: "object",
    additionalProperties: string(),
    description: "local claim → field of the upstream's user info",
  },
  response_mode: { type: "string", enum: ["query", "form_post"] },
  apple: {
    type: ["object", "null"],
    properties: { team_id: string(), key_id: string() },
    description: "Apple's team and key (the private key is never shown); null for other providers",
  },
  created_at: integer("epoch seconds"),
} satisfies Record<keyof ReturnType<typeof describeProvider>, Schema>);

const identitySchema = object({
  id: string("the identity's id (to remove it)"),
  provider: string("the provider's id"),
  issuer: string("the upstream iss"),
  subject: string("the upstream sub"),
  email: nullableString("the address the provider gave at the last sign-in"),
  created_at: integer("epoch seconds"),
  last_used_at: integer("epoch seconds of the last sign-in through it"),
} satisfies Record<keyof ReturnType<typeof describeIdentity>, Schema>);

const providerFields = providerSchema.properties ?? {};

/**
 * The admin API's upstream routes (served by the admin feature, which authenticates
 * them): the CLI's `upstream add|list|remove` and `user identities`, `user identity remove`.
 */
export function upstreamAdminApi(deps: {
  providers: UpstreamProviders;
  identities: IdentityRepository;
  durable: DurableStore;
  logger: Logger;
}): AdminApiPart {
  const userOf = async (name: string | undefined) => {
    const found = await findUser(deps, name ?? "");
    if (!found) throw new NotFound("no such user");
    return found;
  };
  return {
    tags: { upstreams: "upstream identity providers (Sign in with …)" },
    routes: [
      {
        method: "GET",
        path: "/upstreams",
        doc: {
          operation: "listUpstreams",
          summary: "List upstream providers",
          description: "As `frontdesk upstream list`. Never shows a client secret or a private key.",
          response: { description: "every provider", schema: object({ upstreams: listOf(providerSchema) }) },
        },
        act: async () => ({
          upstreams: (await deps.providers.list()).map((p) =>
            describeProvider(p, deps.providers.redirectUri(p.id)),
          ),
        }),
      },
      {
        method: "POST",
        path: "/upstreams",
        doc: {
          operation: "addUpstream",
          summary: "Add an upstream provider",
          description:
            "As `frontdesk upstream add`: an OpenID provider is read from its discovery document now (a wrong issuer is refused); `kind: oauth2` takes the endpoints and claim mapping; a preset fills in the rest. The secret is stored sealed. Register the answer's redirect_uri at the provider. See docs/upstream-providers.md.",
          body: {
            description: "the provider (the flags of `frontdesk upstream add`)",
            schema: object(
              {
                id: providerFields.id as Schema,
                name: string("default: the preset's name"),
                kind: { type: "string", enum: ["oidc", "oauth2"], description: "default oidc" },
                preset: { type: "string", enum: ["github", "google", "microsoft", "apple", "gitlab"] },
                issuer: string("required for OpenID Connect without a preset"),
                client_id: string(),
                client_secret: string("required, except with preset apple"),
                scopes: listOf(string(), "default: openid email profile (a preset's own)"),
                trust_email: providerFields.trust_email as Schema,
                domains: providerFields.domains as Schema,
                authorization_endpoint: string("kind oauth2"),
                token_endpoint: string("kind oauth2"),
                userinfo_endpoint: string("kind oauth2"),
                claims: providerFields.claims as Schema,
                apple_team_id: string("preset apple: the 10-character Team ID"),
                apple_key_id: string("preset apple: the 10-character Key ID"),
                apple_private_key: string("preset apple: the .p8 file's PEM text"),
              },
              Object.values(FIELD_OF_FLAG).filter((f) => f !== "id" && f !== "client_id"),
            ),
          },
          response: {
            description: "the provider is added",
            schema: object({ id: string(), redirect_uri: providerFields.redirect_uri as Schema }),
          },
        },
        act: async (_params, _query, body) => {
          try {
            const added = await addProvider(deps, newProviderFrom(body));
            return { id: added.id, redirect_uri: deps.providers.redirectUri(added.id) };
          } catch (error) {
            if (error instanceof InvalidProviderInput) throw new InvalidRequest(inFieldNames(error.message));
            throw error;
          }
        },
      },
      {
        method: "DELETE",
        path: "/upstreams/:upstream",
        doc: {
          operation: "removeUpstream",
          summary: "Remove an upstream provider",
          description:
            "As `frontdesk upstream remove`: its button goes, and every identity linked through it is unlinked (people whose only way in it was must reset a password).",
          pathParameters: { upstream: "the provider's id" },
          response: {
            description: "the provider is removed",
            schema: object({ deleted: string("the provider's id") }),
          },
        },
        act: async ({ upstream }) => {
          if (!(await removeProvider(deps, upstream ?? ""))) throw new NotFound("no such upstream provider");
          return { deleted: upstream };
        },
      },
      {
        method: "GET",
        path: "/users/:user/identities",
        doc: {
          operation: "listUserIdentities",
          summary: "List a user's linked identities",
          description: "As `frontdesk user identities`.",
          response: {
            description: "the user's identities, oldest first",
            schema: object({ user: string("the user's id"), identities: listOf(identitySchema) }),
          },
        },
        act: async ({ user }) => {
          const found = await userOf(user);
          const linked = await deps.identities.listByUser(found.id);
          return { user: found.id, identities: linked.map(describeIdentity) };
        },
      },
      {
        method: "DELETE",
        path: "/users/:user/identities/:identity",
        doc: {
          operation: "removeUserIdentity",
          summary: "Unlink one of a user's identities",
          description:
            "As `frontdesk user identity remove`. Refused (invalid_request) when it is the user's only way to sign in (no password, no other identity), unless force=true. Sessions already signed in through it go on: revoke the user to end them.",
          pathParameters: { identity: "the identity's id (from listUserIdentities)" },
          query: {
            force: {
              description: "true: remove it even when it is the user's last way to sign in",
              schema: { type: "string", enum: ["true", "false"] },
            },
          },
          response: {
            description: "the identity is unlinked",
            schema: object({ deleted: string("the identity's id"), user: string("the user's id") }),
          },
        },
        act: async ({ user, identity }, { force }) => {
          if (force !== undefined && force !== "true" && force !== "false")
            throw new InvalidRequest("force: true or false");
          const found = await userOf(user);
          const removal = await removeIdentity(deps, found, identity ?? "", { force: force === "true" });
          if (removal.kind === "unknown") throw new NotFound("no such identity of this user");
          if (removal.kind === "last")
            throw new InvalidRequest(
              "this identity is the user's only way to sign in (no password): give force=true to remove it anyway",
            );
          return { deleted: removal.identity.id, user: found.id };
        },
      },
    ],
  };
}
