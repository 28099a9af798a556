import cookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { CoreServices } from "../features/contract.js";
import {
  type BuiltFeature,
  buildFeatures,
  buildRegistry,
  subscribeSessionEnd,
} from "../features/registry.js";
import { registerAssets } from "../http/assets.js";
import { registerCors } from "../http/cors.js";
import { registerErrorHandler } from "../http/error-handler.js";
import { registerFormBody } from "../http/form-body.js";
import { registerHealth } from "../http/health.js";
import { registerSecurityHeaders } from "../http/security-headers.js";
import { FEATURES } from "./features.js";
import { featuresBuiltFor } from "./services.js";

export const BODY_LIMIT = 64 * 1024;

/** The HTTP surface: the shared HTTP steps, then each enabled feature's routes, wired to one registry. */
export async function buildApp(services: CoreServices, features = FEATURES): Promise<FastifyInstance> {
  // The default feature list was already built with the context (for its session-end listeners).
  const built: readonly BuiltFeature[] =
    (features === FEATURES ? featuresBuiltFor(services) : undefined) ??
    (await buildFeatures(features, services));
  const registry = buildRegistry(services, built);
  // Fastify takes a hop count, a list of trusted proxy addresses, or everything (true).
  const { trustProxyHops } = services.config;
  const trustProxy =
    trustProxyHops > 0
      ? (_address: string, hop: number) => hop < trustProxyHops
      : (services.config.trustProxy as boolean | string[]);
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    logController: new LogController({
      disableRequestLogging: services.config.logLevel !== "debug" && services.config.logLevel !== "trace",
    }),
    bodyLimit: BODY_LIMIT,
    trustProxy,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  await app.register(cookie);
  registerFormBody(app);
  registerErrorHandler(app, services.logger);
  registerSecurityHeaders(app);
  registerCors(app, registry.corsPaths);
  registerHealth(app, services);
  for (const { parts } of built) if (parts.routes) await app.register(parts.routes, { registry });
  registerAssets(app);
  subscribeSessionEnd(services, built);
  // The core's own background work (delivering the mail outbox: one per context, owned
  // by the first app built on it), then the features'.
  const mailWorker = services.mail.worker?.isRunning ? undefined : services.mail.worker;
  const workers = [...(mailWorker ? [mailWorker] : []), ...built.flatMap((b) => b.parts.workers ?? [])];
  app.addHook("onClose", async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
  });
  await app.ready();
  for (const worker of workers) worker.start();
  return app;
}
