import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import {
  deleteClient,
  describeClient,
  InvalidClientMetadata,
  rotateClientSecret,
} from "../../clients/registration.js";
import { InvalidRequest, NotFound } from "../../errors/oauth-errors.js";
import { authenticateBearer } from "../../http/bearer-auth.js";
import { describeKey } from "../../keys/key-manager.js";
import { singleValued } from "../../oauth/params.js";
import {
  deleteUser,
  describeUser,
  disableUser,
  enableUser,
  findUser,
  revokeUser,
} from "../../users/users.js";
import type { CoreServices, FeatureRouteOptions } from "../contract.js";

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
  | "refreshTokens"
  | "revocations"
  | "accessTokens"
  | "cookies"
  | "csrf"
  | "logger"
>;

type AdminAction = (
  ctx: AdminDeps,
  params: Record<string, string>,
  query: Record<string, string>,
) => Promise<Record<string, unknown>>;

const actions: { method: "GET" | "POST" | "DELETE"; path: string; act: AdminAction }[] = [
  {
    method: "GET",
    path: "/users",
    act: async (ctx) => ({ users: (await ctx.durable.users.list()).map(describeUser) }),
  },
  {
    method: "POST",
    path: "/users/:user/revoke",
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      return { revoked: found.id, ...(await revokeUser(ctx, found)) };
    },
  },
  {
    method: "POST",
    path: "/users/:user/disable",
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
    act: async (ctx, { user }) => {
      const found = await findUser(ctx, user ?? "");
      if (!found) throw new NotFound("no such user");
      return { deleted: found.id, ...(await deleteUser(ctx, found)) };
    },
  },
  {
    method: "GET",
    path: "/clients",
    act: async (ctx) => ({ clients: (await ctx.durable.clients.list()).map(describeClient) }),
  },
  {
    method: "POST",
    path: "/clients/:client/rotate-secret",
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
    act: async (ctx, { client }) => {
      if (!(await deleteClient(ctx, client ?? ""))) throw new NotFound("no such client");
      return { deleted: client };
    },
  },
  { method: "GET", path: "/keys", act: async (ctx) => ({ keys: (await ctx.keys.list()).map(describeKey) }) },
  { method: "POST", path: "/keys/rotate", act: async (ctx) => ctx.keys.rotate() },
];

/**
 * The admin API, on its own prefix: the CLI's user, client and key operations over
 * HTTP, for a client holding the `frontdesk:admin` scope in a token issued for the
 * admin audience (client_credentials with `resource=ISSUER/admin/api`).
 */
export function adminApiRoutes(ctx: AdminDeps): FastifyPluginAsync<FeatureRouteOptions> {
  return async (app, _options) => {
    const audience = adminAudience(ctx.config.issuer);
    for (const { method, path, act } of actions) {
      app.route({
        method,
        url: `${ADMIN_PREFIX}${path}`,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const caller = await authenticateBearer(ctx, request, { scope: ADMIN_SCOPE, audience });
          const query = singleValued(request.query, "query string");
          const result = await act(ctx, request.params as Record<string, string>, query);
          ctx.logger.info({ admin: caller.client_id, action: `${method} ${path}` }, "admin action");
          return reply.header("cache-control", "no-store").send(result);
        },
      });
    }
  };
}
