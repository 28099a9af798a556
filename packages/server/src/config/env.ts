import type { z } from "zod";
import { configSchema, type FeatureSections } from "./schema.js";

/** FRONTDESK_ACCESS_TOKEN_TTL <- accessTokenTtl */
export function envName(key: string): string {
  return `FRONTDESK_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/**
 * The keys `frontdesk` takes as command-line flags (see cli/run.ts and cli/commands/start.ts).
 * Messages name a flag only for these; the CLI defines its options from this map.
 */
export const FLAGS = {
  dataDir: "--data-dir",
  port: "--port",
  host: "--host",
  issuer: "--issuer",
} as const;

/**
 * Where a key is set, for messages: `env FRONTDESK_PORT, --port` for a key with a flag,
 * `env FRONTDESK_SIGNING_ALG or "signingAlg" in the file` for one without.
 */
export function whereToSet(key: string): string {
  const flag = (FLAGS as Record<string, string | undefined>)[key];
  return flag ? `env ${envName(key)}, ${flag}` : `env ${envName(key)} or "${key}" in the file`;
}

const listKeys = new Set(["resources", "scopes", "outboundAllowList"]);
/** Lists that are also a flag: `true`/`false` stay a flag. */
const flagOrList = new Set(["trustProxy"]);

/** FRONTDESK_FEATURES_DEVICE_FLOW_ENABLED <- features.deviceFlow.enabled */
export function featureEnvName(feature: string, key: string): string {
  return envName(`features_${feature}_${key}`).replace(/__/g, "_");
}

function readFeatureEnv(env: NodeJS.ProcessEnv, sections: FeatureSections): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [feature, section] of Object.entries(sections))
    for (const key of Object.keys((section as z.ZodObject).shape)) {
      const value = env[featureEnvName(feature, key)];
      if (value === undefined || value === "") continue;
      out[feature] ??= {};
      (out[feature] as Record<string, unknown>)[key] = value;
    }
  return out;
}

/** Reads every known FRONTDESK_* variable; lists are space- or comma-separated. */
export function readEnv(env: NodeJS.ProcessEnv, sections: FeatureSections = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const features = readFeatureEnv(env, sections);
  if (Object.keys(features).length) out.features = features;
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[envName(key)];
    if (value === undefined || value === "") continue;
    if (flagOrList.has(key) && !/^(true|false|1|0|yes|no)$/i.test(value))
      out[key] = value.split(/[\s,]+/).filter(Boolean);
    else out[key] = listKeys.has(key) ? value.split(/[\s,]+/).filter(Boolean) : value;
  }
  return out;
}
