import { z } from "zod";
import { defineFeature } from "../contract.js";
import { logoutTokenDelivery } from "./delivery.js";
import { enqueueLogouts } from "./enqueue.js";
import { LogoutOutbox, outboxMigration } from "./outbox.js";
import { LogoutDeliveryWorker } from "./worker.js";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * OpenID Connect Back-Channel Logout 1.0: when a session ends, every client that got
 * tokens in it and registered a `backchannel_logout_uri` is sent a logout token,
 * through a durable outbox delivered in the background (retries with backoff).
 */
export const backchannelLogoutFeature = defineFeature({
  name: "backchannelLogout",
  options: z.object({
    /** Milliseconds between delivery rounds when nothing is due. */
    pollInterval: positiveInt(1_000),
    /** Milliseconds one attempt may take. */
    timeout: positiveInt(5_000),
    /** Milliseconds a claimed entry is held before another instance may retry it. */
    lease: positiveInt(30_000),
    /** Milliseconds before the first retry; doubling up to retryMax. */
    retryBase: positiveInt(2_000),
    retryMax: positiveInt(600_000),
    maxAttempts: positiveInt(12),
    /** Seconds after which an undelivered logout is given up. */
    maxAge: positiveInt(86_400),
    /** Seconds a logout token is valid. */
    tokenTtl: positiveInt(120),
  }),
  migrations: { "backchannelLogout-001-outbox": outboxMigration },
  build: (services, options) => {
    const outbox = new LogoutOutbox(services.durable);
    const worker = new LogoutDeliveryWorker({
      outbox,
      deliver: logoutTokenDelivery(services, { timeoutMs: options.timeout, tokenTtl: options.tokenTtl }),
      logger: services.logger,
      timing: {
        pollIntervalMs: options.pollInterval,
        leaseMs: Math.max(options.lease, options.timeout + 1_000),
        retryBaseMs: options.retryBase,
        retryMaxMs: options.retryMax,
        maxAttempts: options.maxAttempts,
        maxAgeMs: options.maxAge * 1000,
        batchSize: 20,
      },
    });
    return {
      sessionEnd: async (ended) => {
        if (await enqueueLogouts(services, outbox, ended)) worker.kick();
      },
      workers: [worker],
      metadata: () => ({ backchannel_logout_supported: true, backchannel_logout_session_supported: true }),
    };
  },
});
