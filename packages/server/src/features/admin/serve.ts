import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { authenticateBearer } from "../../http/bearer-auth.js";
import { acceptJsonBody } from "../../http/form-body.js";
import { singleValued } from "../../oauth/params.js";
import type { AdminRoute } from "../admin-api.js";
import type { FeatureRouteOptions } from "../contract.js";
import {
  ADMIN_ACTIONS,
  ADMIN_DOCUMENT_PATH,
  ADMIN_PREFIX,
  ADMIN_SCOPE,
  type AdminDeps,
  adminAudience,
} from "./api.js";
import { adminApiDocument } from "./openapi.js";

/**
 * The admin API, on its own prefix: the CLI's user, client and key operations over
 * HTTP (`ADMIN_ACTIONS`), and those the enabled features add (`adminApi` parts: the
 * upstream providers), for a client holding the `frontdesk:admin` scope in a token
 * issued for the admin audience (client_credentials with `resource=ISSUER/admin/api`),
 * and their OpenAPI description at `/admin/api/openapi.json`, generated from the tables.
 */
export function adminApiRoutes(ctx: AdminDeps): FastifyPluginAsync<FeatureRouteOptions> {
  const own: AdminRoute[] = ADMIN_ACTIONS.map(({ act, ...route }) => ({
    ...route,
    act: (params, query, body) => act(ctx, params, query, body),
  }));
  return async (app, { registry }) => {
    const routes = [...own, ...registry.adminApi.flatMap((part) => part.routes)];
    const document = adminApiDocument({
      issuer: ctx.config.issuer,
      prefix: ADMIN_PREFIX,
      scope: ADMIN_SCOPE,
      routes,
      documentPath: ADMIN_DOCUMENT_PATH,
      tags: Object.assign({}, ...registry.adminApi.map((part) => part.tags ?? {})),
    });
    const audience = adminAudience(ctx.config.issuer);
    const deps = { ...ctx, dpop: registry.resourceProof };
    // POST /users (and a feature's POST) takes a JSON body; the other routes take none.
    acceptJsonBody(app);
    // The description is public: it says what the routes do, not who holds what.
    app.get(`${ADMIN_PREFIX}${ADMIN_DOCUMENT_PATH}`, async (_request, reply) =>
      reply.header("cache-control", "no-cache").send(document),
    );
    for (const { method, path, act } of routes) {
      app.route({
        method,
        url: `${ADMIN_PREFIX}${path}`,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const caller = await authenticateBearer(deps, request, reply, { scope: ADMIN_SCOPE, audience });
          const query = singleValued(request.query, "query string");
          const result = await act(request.params as Record<string, string>, query, request.body);
          ctx.logger.info({ admin: caller.client_id, action: `${method} ${path}` }, "admin action");
          return reply.header("cache-control", "no-store").send(result);
        },
      });
    }
  };
}
