import { configSchema } from "./schema.js";

/** FRONTDESK_ACCESS_TOKEN_TTL <- accessTokenTtl */
export function envName(key: string): string {
  return `FRONTDESK_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const listKeys = new Set(["resources", "scopes"]);

/** Reads every known FRONTDESK_* variable; lists are space- or comma-separated. */
export function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[envName(key)];
    if (value === undefined || value === "") continue;
    out[key] = listKeys.has(key) ? value.split(/[\s,]+/).filter(Boolean) : value;
  }
  return out;
}
