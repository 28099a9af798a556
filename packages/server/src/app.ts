import cookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Context } from "./context.js";
import { registerAccount } from "./endpoints/account/route.js";
import { registerAdminPages } from "./endpoints/admin/pages.js";
import { registerAdminApi } from "./endpoints/admin/route.js";
import { registerAssets } from "./endpoints/assets.js";
import { registerAuthorize } from "./endpoints/authorize/route.js";
import { registerConsent } from "./endpoints/consent/route.js";
import { registerDiscovery } from "./endpoints/discovery/route.js";
import { registerForwardAuth } from "./endpoints/forward-auth/route.js";
import { registerIntrospection } from "./endpoints/introspection/route.js";
import { registerJwks } from "./endpoints/jwks.js";
import { registerLogin } from "./endpoints/login/route.js";
import { registerLogout } from "./endpoints/logout/route.js";
import { registerRevocation } from "./endpoints/revocation/route.js";
import { registerRevocationFeed } from "./endpoints/revocation-feed/route.js";
import { registerTokenEndpoint } from "./endpoints/token/route.js";
import { registerUserinfo } from "./endpoints/userinfo/route.js";
import { registerCors } from "./http/cors.js";
import { registerErrorHandler } from "./http/error-handler.js";
import { registerFormBody } from "./http/form-body.js";
import { registerHealth } from "./http/health.js";
import { registerSecurityHeaders } from "./http/security-headers.js";

export const BODY_LIMIT = 64 * 1024;

/** The composition root of the HTTP surface: every route, wired to the shared context. */
export async function buildApp(ctx: Context): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({
      disableRequestLogging: ctx.config.logLevel !== "debug" && ctx.config.logLevel !== "trace",
    }),
    bodyLimit: BODY_LIMIT,
    trustProxy: ctx.config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  await app.register(cookie);
  registerFormBody(app);
  registerErrorHandler(app, ctx.logger);
  registerSecurityHeaders(app);
  registerCors(app);
  registerHealth(app, ctx);
  registerDiscovery(app, ctx);
  registerJwks(app, ctx);
  registerTokenEndpoint(app, ctx);
  registerIntrospection(app, ctx);
  registerRevocation(app, ctx);
  registerRevocationFeed(app, ctx);
  registerForwardAuth(app, ctx);
  registerUserinfo(app, ctx);
  registerAuthorize(app, ctx);
  registerLogin(app, ctx);
  registerConsent(app, ctx);
  registerLogout(app, ctx);
  registerAccount(app, ctx);
  registerAdminApi(app, ctx);
  registerAdminPages(app, ctx);
  registerAssets(app);
  await app.ready();
  return app;
}
