import {
  DEFAULT_SECRET_GRACE,
  deleteClient,
  describeClient,
  InvalidClientMetadata,
  rotateClientSecret,
} from "../../clients/registration.js";
import { InvalidRequest, NotFound } from "../../errors/oauth-errors.js";
import { describeKey } from "../../keys/key-manager.js";
import { invitationEmail } from "../../pages/account-emails.js";
import { inviteUser } from "../../users/invitations.js";
import {
  createUser,
  deleteUser,
  describeUser,
  disableUser,
  enableUser,
  findUser,
  revokeUser,
} from "../../users/users.js";
import { boolean, type DocumentedRoute, integer, listOf, object, string, strings } from "../admin-api.js";
import type { CoreServices } from "../contract.js";
import { asInvalidRequest, invitationFrom, newUserFrom } from "./api-bodies.js";
import { ref } from "./openapi.js";

export const ADMIN_SCOPE = "frontdesk:admin";
export const ADMIN_PREFIX = "/admin/api";

/** The audience an admin token must carry: request it with `resource=ISSUER/admin/api`. */
export function adminAudience(issuer: string): string {
  return `${issuer}${ADMIN_PREFIX}`;
}

/** What the admin API and pages act on. */
export type AdminDeps = Pick<
  CoreServices,
  | "config"
  | "durable"
  | "fast"
  | "keys"
  | "sessions"
  | "userData"
  | "refreshTokens"
  | "revocations"
  | "accessTokens"
  | "cookies"
  | "csrf"
  | "logger"
  | "emailVerification"
  | "mail"
  | "accountLinks"
>;

export type AdminAction = (
  ctx: AdminDeps,
  params: Record<string, string>,
  query: Record<string, string>,
  body: unknown,
) => Promise<Record<string, unknown>>;

/** Where the OpenAPI description of the routes below is served (without a token). */
export const ADMIN_DOCUMENT_PATH = "/openapi.json";

/** The admin feature's own routes: what each does, and its OpenAPI description. */
export const ADMIN_ACTIONS: (DocumentedRoute & { act: AdminAction })[] = [
  {
    method: "GET",
    path: "/users",
    doc: {
      operation: "listUsers",
      summary: "List users",
      response: { description: "every user", schema: object({ users: listOf(ref("User")) }) },
    },
    act: async (ctx) => ({ users: (await ctx.durable.users.list()).map(describeUser) }),
  },
  {
    method: "POST",
    path: "/users",
    doc: {
      operation: "createUser",
      summary: "Create a user",
      description:
        "As `frontdesk user create`. A user created with an email address that is not marked verified is sent a verification message (a single-use link, 24 hours).",
      body: {
        description: "the new user",
        schema: object(
          {
            username: string("1-64 letters, digits and . _ @ + -"),
            password: string("8 to 1024 characters; absent: the user signs in another way"),
            email: string("an address; a verification message is sent to it unless email_verified"),
            email_verified: boolean("true: the operator vouches for the address (no message is sent)"),
            tenant: string(),
            roles: strings,
          },
          ["password", "email", "email_verified", "tenant", "roles"],
        ),
      },
      response: {
        description: "the user as created",
        schema: object({
          user: ref("User"),
          verification_sent: boolean("true: a verification message was sent to the address"),
        }),
      },
    },
    act: (ctx, _params, _query, body) =>
      asInvalidRequest(async () => {
        const user = await createUser(ctx, newUserFrom(body));
        const sent = await ctx.emailVerification.send(user);
        return { user: describeUser(user), verification_sent: sent };
      }),
  },
  {
    method: "POST",
    path: "/users/invitations",
    doc: {
      operation: "inviteUser",
      summary: "Invite a person by email",
      description:
        "As `frontdesk user invite`: emails a single-use link, valid 7 days, with which the person chooses a password (and a username, unless one is given) and is signed in; the address counts as verified. Refused while registration is closed, and for an address or username that already has an account.",
      body: {
        description: "whom to invite, and what their account gets",
        schema: object(
          {
            email: string("where the link goes"),
            username: string("the account's username; absent: the person chooses one"),
            tenant: string(),
            roles: strings,
          },
          ["username", "tenant", "roles"],
        ),
      },
      response: {
        description: "the invitation is on its way",
        schema: object({
          invited: string("the address"),
          expires_at: integer("when the link stops working (epoch seconds)"),
        }),
      },
    },
    act: (ctx, _params, _query, body) =>
      asInvalidRequest(async () => {
        const sent = await inviteUser(ctx, invitationFrom(body), (url, days) =>
          invitationEmail({ issuer: ctx.config.issuer, url, days }),
        );
        return { invited: sent.email, expires_at: sent.expires_at };
      }),
  },
  {
    method: "POST",
    path: "/users/:user/revoke",
    doc: {
      operation: "revokeUser",
      summary: "Revoke everything a user holds",
      description:
        "Ends every session and refresh-token family of the user and revokes every access token issued to them so far (guards learn it from the revocation feed). The user can sign in again.",
      response: {
        description: "what was revoked",
        schema: object({
          revoked: string("the user's id"),
          sessions: integer("sessions ended"),
          families: integer("refresh-token families revoked"),
        }),
      },
    },
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      return { revoked: found.id, ...(await revokeUser(ctx, found)) };
    },
  },
  {
    method: "POST",
    path: "/users/:user/disable",
    doc: {
      operation: "disableUser",
      summary: "Disable a user",
      description: "Refuses the user's sign-in and revokes everything they hold, as revokeUser does.",
      response: {
        description: "the user is disabled",
        schema: object({ disabled: string("the user's id") }),
      },
    },
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      await disableUser(ctx, found);
      return { disabled: found.id };
    },
  },
  {
    method: "POST",
    path: "/users/:user/enable",
    doc: {
      operation: "enableUser",
      summary: "Enable a disabled user",
      description: "Lets the user sign in again; what disabling revoked stays revoked.",
      response: { description: "the user is enabled", schema: object({ enabled: string("the user's id") }) },
    },
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      await enableUser(ctx, found);
      return { enabled: found.id };
    },
  },
  {
    method: "DELETE",
    path: "/users/:user",
    doc: {
      operation: "deleteUser",
      summary: "Delete a user",
      description:
        "Revokes everything the user holds (as revokeUser), then deletes their consents, their refresh tokens and the user. Logged as one audit line with action user.delete.",
      response: {
        description: "what was deleted",
        schema: object({
          deleted: string("the user's id"),
          sessions: integer("sessions ended"),
          families: integer("refresh-token families deleted"),
          grants: integer("consents deleted"),
        }),
      },
    },
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      return { deleted: found.id, ...(await deleteUser(ctx, found)) };
    },
  },
  {
    method: "GET",
    path: "/clients",
    doc: {
      operation: "listClients",
      summary: "List clients",
      description: "Never shows a secret or its hash.",
      response: { description: "every client", schema: object({ clients: listOf(ref("Client")) }) },
    },
    act: async (ctx) => ({ clients: (await ctx.durable.clients.list()).map(describeClient) }),
  },
  {
    method: "POST",
    path: "/clients/:client/rotate-secret",
    doc: {
      operation: "rotateClientSecret",
      summary: "Issue a new client secret",
      description:
        "The new secret is in this answer only (store it). The old secret keeps working for the grace period, so the client's deployments can switch without downtime.",
      query: {
        grace: {
          description: `seconds the old secret keeps working (default ${DEFAULT_SECRET_GRACE}, 24 hours; 0: it stops at once)`,
          schema: integer(),
        },
      },
      response: {
        description: "the new secret",
        schema: object({
          client_id: string(),
          client_secret: string("the new secret, shown only now"),
          previous_secret_expires_at: {
            type: ["integer", "null"],
            description: "until when (epoch seconds) the old secret works; null: it already does not",
          },
        }),
      },
    },
    act: async (ctx, { client }, { grace }) => {
      if (grace !== undefined && !/^\d+$/.test(grace))
        throw new InvalidRequest("grace: a whole number of seconds, 0 or more");
      try {
        const rotated = await rotateClientSecret(ctx, client ?? "", {
          graceSeconds: grace === undefined ? undefined : Number(grace),
        });
        if (!rotated) throw new NotFound("no such client");
        return {
          client_id: rotated.client.id,
          client_secret: rotated.secret,
          previous_secret_expires_at: rotated.client.previousSecretExpiresAt,
        };
      } catch (error) {
        if (error instanceof InvalidClientMetadata) throw new InvalidRequest(error.message);
        throw error;
      }
    },
  },
  {
    method: "DELETE",
    path: "/clients/:client",
    doc: {
      operation: "deleteClient",
      summary: "Delete a client",
      description: "Revokes its refresh tokens and access tokens, then deletes it.",
      response: {
        description: "the client is deleted",
        schema: object({ deleted: string("the client's id") }),
      },
    },
    act: async (ctx, { client }) => {
      if (!(await deleteClient(ctx, client ?? ""))) throw new NotFound("no such client");
      return { deleted: client };
    },
  },
  {
    method: "GET",
    path: "/keys",
    doc: {
      operation: "listKeys",
      summary: "List signing keys",
      description: "Never shows key material.",
      response: { description: "every signing key", schema: object({ keys: listOf(ref("Key")) }) },
    },
    act: async (ctx) => ({ keys: (await ctx.keys.list()).map(describeKey) }),
  },
  {
    method: "POST",
    path: "/keys/rotate",
    doc: {
      operation: "rotateKeys",
      summary: "Rotate signing keys",
      description:
        "For each algorithm's key set: the next key becomes active, the active one retired (still published until its tokens expire), and a new next key is made. The top-level fields are the access-token algorithm's set.",
      response: {
        description: "the keys that changed state",
        schema: object(
          {
            activated: string("kid of the key now signing"),
            retired: string("kid of the key that signed before (absent on a first rotation)"),
            next: string("kid of the new next key"),
            rotated: listOf(
              object(
                {
                  alg: string("the key set's algorithm"),
                  activated: string(),
                  retired: string(),
                  next: string(),
                },
                ["retired"],
              ),
            ),
          },
          ["retired"],
        ),
      },
    },
    act: async (ctx) => ctx.keys.rotate(),
  },
];
