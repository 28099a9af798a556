import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { checkDataDir, dataDirProblem } from "./data-dir.js";
import { envName, featureEnvName, readEnv, whereToSet } from "./env.js";
import { ConfigError } from "./errors.js";
import {
  type Config,
  configSchema,
  type FeatureSections,
  type ParsedConfig,
  schemaWithFeatures,
} from "./schema.js";

export interface LoadOptions {
  /** Values from command-line flags: they win over the environment. */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file; otherwise `frontdesk.json` in the data directory when it exists. */
  configFile?: string;
  /** The `features.<name>` sections of the enabled-able features (the composition root passes them). */
  features?: FeatureSections;
}

const MAX_DEFAULT_ACCESS_TTL = 15 * 60;

function readFileConfig(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    throw new Error("top level must be a JSON object");
  } catch (error) {
    throw new ConfigError([`config file ${path}: ${(error as Error).message}`]);
  }
}

function defined(values: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function isLocalhost(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Development only: a generated key-encryption secret kept in the data directory. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, "dev-key-encryption-secret");
  if (!existsSync(file)) {
    try {
      mkdirSync(dataDir, { recursive: true });
      // Written aside, then linked into place: another process never reads a half-written file.
      const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
      writeFileSync(draft, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
      try {
        linkSync(draft, file);
      } catch (error) {
        // A server and the CLI starting together: the other process's secret won.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      } finally {
        rmSync(draft, { force: true });
      }
    } catch (error) {
      throw new ConfigError([dataDirProblem(error, dataDir)]);
    }
  }
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < 32)
    throw new ConfigError([
      `${file}: the generated key-encryption secret is damaged; restore it or set keyEncryptionSecret`,
    ]);
  return secret;
}

/**
 * Loads configuration once: file < environment < flags, validated with zod and
 * frozen. Problems name the key (and its environment variable) and the fix.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const sections = options.features ?? {};
  const fromEnv = readEnv(env, sections);
  const flags = defined(options.flags);
  const dataDirGuess = String(flags.dataDir ?? fromEnv.dataDir ?? ".frontdesk");
  const file = options.configFile ?? env.FRONTDESK_CONFIG ?? join(dataDirGuess, "frontdesk.json");
  const fromFile = options.configFile || existsSync(file) ? readFileConfig(file) : {};

  const schema = schemaWithFeatures(sections);
  const result = schema.safeParse({
    ...fromFile,
    ...fromEnv,
    ...flags,
    ...mergedFeatures(fromFile.features, fromEnv.features, flags.features),
  });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join(".") || "(root)";
        const top = String(issue.path[0] ?? "");
        const hint =
          top === "features" && issue.path.length === 3
            ? ` (env ${featureEnvName(String(issue.path[1]), String(issue.path[2]))} or the config file)`
            : top && top in configSchema.shape
              ? ` (${whereToSet(top)})`
              : "";
        return issue.code === "unrecognized_keys"
          ? `unknown key(s) ${issue.keys.join(", ")}${issue.path.length ? ` in ${key}` : ""}: remove them or check the spelling`
          : `${key}${hint}: ${issue.message}`;
      }),
    );
  }
  return finish(result.data as ParsedConfig & { features: Config["features"] });
}

/** Feature sections merge per feature and key: the environment overrides one key of a file's section. */
function mergedFeatures(...layers: unknown[]): { features?: Record<string, unknown> } {
  const out: Record<string, Record<string, unknown>> = {};
  let any = false;
  for (const layer of layers) {
    if (!layer || typeof layer !== "object" || Array.isArray(layer)) continue;
    any = true;
    for (const [name, section] of Object.entries(layer)) {
      if (!section || typeof section !== "object" || Array.isArray(section)) {
        (out as Record<string, unknown>)[name] = section;
        continue;
      }
      out[name] = { ...(out[name] ?? {}), ...(section as Record<string, unknown>) };
    }
  }
  return any ? { features: out } : {};
}

function finish(parsed: ParsedConfig & { features: Config["features"] }): Config {
  const problems: string[] = [];
  const warnings: string[] = [];
  const dataDir = isAbsolute(parsed.dataDir) ? parsed.dataDir : resolve(parsed.dataDir);
  const issuer = (parsed.issuer ?? `http://localhost:${parsed.port}`).replace(/\/+$/, "");
  const issuerUrl = new URL(issuer);
  const production = parsed.mode === "production";

  if (issuerUrl.protocol !== "https:" && issuerUrl.protocol !== "http:")
    problems.push(
      `issuer (${whereToSet("issuer")}): must be an https:// URL (http:// for localhost or in development), got ${issuer}`,
    );
  if (issuerUrl.search || issuerUrl.hash)
    problems.push(`issuer (${whereToSet("issuer")}): must not have a query or fragment; remove them`);
  if (issuerUrl.protocol === "http:" && !isLocalhost(issuerUrl)) {
    if (production && !parsed.allowInsecureIssuer)
      problems.push(
        `issuer (${whereToSet("issuer")}): production mode needs an https:// issuer, got ${issuer}; ` +
          "use https, or set allowInsecureIssuer=true if TLS ends in front of this server on a trusted network",
      );
    else warnings.push(`issuer ${issuer} is plain http: tokens and cookies cross the network unprotected`);
  }
  if (parsed.accessTokenTtl > MAX_DEFAULT_ACCESS_TTL && !parsed.allowLongAccessTokens)
    problems.push(
      `accessTokenTtl (${whereToSet("accessTokenTtl")}): ${parsed.accessTokenTtl}s is over 15 minutes; ` +
        "lower it, or set allowLongAccessTokens=true to accept long-lived tokens",
    );
  if (parsed.accessTokenTtl > MAX_DEFAULT_ACCESS_TTL && parsed.allowLongAccessTokens)
    warnings.push(`access tokens live ${parsed.accessTokenTtl}s (allowLongAccessTokens)`);
  if (parsed.sessionIdleTtl > parsed.sessionAbsoluteTtl)
    problems.push(
      `sessionIdleTtl (${whereToSet("sessionIdleTtl")}): must not exceed sessionAbsoluteTtl; lower it or raise sessionAbsoluteTtl`,
    );
  if (parsed.refreshTokenIdleTtl > parsed.refreshTokenAbsoluteTtl)
    problems.push(
      `refreshTokenIdleTtl (${whereToSet("refreshTokenIdleTtl")}): must not exceed refreshTokenAbsoluteTtl; lower it or raise refreshTokenAbsoluteTtl`,
    );

  if (parsed.smtpUrl && !parsed.emailFrom)
    problems.push(
      `emailFrom (${whereToSet("emailFrom")}): required with smtpUrl, the From of every message; ` +
        'for example "Frontdesk <no-reply@example.com>"',
    );
  let keyEncryptionSecret = parsed.keyEncryptionSecret;
  // The data folder holds the SQLite stores and the development secret: when any of them
  // lives there, say now (not as EACCES from deep inside) if it cannot be written.
  const usesDataDir = !parsed.databaseUrl || !parsed.redisUrl || (!keyEncryptionSecret && !production);
  const dataDirTrouble = usesDataDir ? checkDataDir(dataDir) : undefined;
  if (dataDirTrouble) problems.push(dataDirTrouble);
  if (!keyEncryptionSecret) {
    if (production)
      problems.push(
        `keyEncryptionSecret (${whereToSet("keyEncryptionSecret")}): required in production; ` +
          "generate one with `openssl rand -base64 32` and keep it out of the data directory",
      );
    else if (!dataDirTrouble) {
      keyEncryptionSecret = developmentSecret(dataDir);
      warnings.push(
        `development mode: using a generated key-encryption secret stored in ${dataDir}; set ${envName("keyEncryptionSecret")} for real deployments`,
      );
    }
  }
  if (parsed.allowInsecureIssuer) warnings.push("allowInsecureIssuer is on: an http:// issuer is accepted");
  if (parsed.trustProxy !== false && parsed.trustProxyHops > 0)
    problems.push(
      "trustProxy, trustProxyHops: set one of them (hops counts the proxies; trustProxy names them)",
    );
  if (parsed.trustProxy === true)
    warnings.push(
      "trustProxy=true trusts the leftmost X-Forwarded-For entry, which a client can forge when a proxy appends; set trustProxyHops to the number of proxies instead",
    );
  if (parsed.registration === "open" && !parsed.registrationRequiresVerifiedEmail)
    warnings.push(
      "registration=open with registrationRequiresVerifiedEmail=false: anyone can create accounts that sign in to applications with an email address they do not own",
    );
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    ...parsed,
    dataDir,
    issuer,
    keyEncryptionSecret: keyEncryptionSecret as string,
    resources: Object.freeze(parsed.resources ?? [`${issuer}/api`]),
    scopes: Object.freeze([...parsed.scopes]) as string[],
    features: deepFreeze(parsed.features ?? {}),
    warnings: Object.freeze(warnings),
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
