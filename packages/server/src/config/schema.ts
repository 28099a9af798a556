import { z } from "zod";

const seconds = z.coerce.number().int().positive();
/** A boolean, or its spelling in an environment variable ("true"/"false", "1"/"0", "yes"/"no"). Not z.coerce: "false" must be false. */
export const flag = z.union([z.boolean(), z.stringbool()], { error: "must be true or false" });

/** A TCP port: a whole number 0-65535, or its digits in a string; the message quotes what was given. */
const port = z.unknown().transform((value, ctx) => {
  const digits = typeof value === "string" && /^\s*\d+\s*$/.test(value);
  const number = typeof value === "number" ? value : digits ? Number(value) : Number.NaN;
  if (Number.isInteger(number) && number >= 0 && number <= 65535) return number;
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(String(value))} is not a port number; use 0-65535`,
  });
  return z.NEVER;
});

/** `name@example.com` or `Display Name <name@example.com>`: one mailbox, no line breaks. */
export function isMailbox(value: string): boolean {
  const match = /^\s*(?:([^<>\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  const address = match?.[2] ?? match?.[3];
  return address !== undefined && /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(address);
}

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/i;

/**
 * An absolute URL with a scheme. `localhost:3000` parses as a URL of scheme "localhost:",
 * so a value without `://` is refused first, saying what to write instead.
 */
const absoluteUrl = z.string().superRefine((value, ctx) => {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const host = value.replace(/^\/+/, "");
    const fix = LOCAL_HOST.test(host) ? `http://${host} (development) or https://${host}` : `https://${host}`;
    ctx.addIssue({ code: "custom", message: `"${value}" has no scheme: write ${fix}` });
  } else if (!URL.canParse(value)) ctx.addIssue({ code: "custom", message: `"${value}" is not a URL` });
});

/**
 * Every setting, its default and its rule. Keys are camelCase in the config file
 * (`frontdesk.json` in the data directory, or `--config FILE`); environment
 * variables are `FRONTDESK_` + SCREAMING_SNAKE_CASE of the key (see env.ts).
 */
export const configSchema = z
  .object({
    /** `development` generates what it needs (and says so); `production` refuses unsafe settings. */
    mode: z.enum(["development", "production"]).default("development"),
    /** Public URL of this server; the `iss` of every token. Defaults to http://localhost:PORT. */
    issuer: absoluteUrl.optional(),
    host: z.string().min(1).default("127.0.0.1"),
    port: port.default(3000),
    /** Folder for the SQLite files and development secrets. */
    dataDir: z.string().min(1).default(".frontdesk"),
    /** PostgreSQL durable store (`postgres://...`); SQLite in dataDir when absent. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
      .optional(),
    databasePoolSize: z.coerce.number().int().min(1).max(100).default(10),
    /** Redis fast store (`redis://...`); SQLite in dataDir when absent. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
    redisPrefix: z.string().default("frontdesk:"),
    /** `redisUrl` names one node of a Redis Cluster (keys are hash-tagged, so no other change is needed). */
    redisCluster: flag.default(false),
    /** Access-token lifetime in seconds: default 10 min, at most 15 min unless allowLongAccessTokens. */
    accessTokenTtl: seconds.default(600),
    allowLongAccessTokens: flag.default(false),
    idTokenTtl: seconds.default(600),
    /** Put the granted `profile`/`email` claims in the ID token too (Auth.js and many RPs read only it). */
    idTokenProfileClaims: flag.default(true),
    authorizationCodeTtl: seconds.max(60).default(60),
    refreshTokenIdleTtl: seconds.default(14 * 24 * 3600),
    refreshTokenAbsoluteTtl: seconds.default(60 * 24 * 3600),
    sessionIdleTtl: seconds.default(30 * 60),
    sessionAbsoluteTtl: seconds.default(12 * 3600),
    /** Algorithm of the signing keys. */
    signingAlg: z.enum(["ES256", "EdDSA", "RS256"]).default("ES256"),
    /** How often each process re-reads the key set (seconds); bounds how soon a rotation is seen. */
    keyRefreshInterval: seconds.default(5),
    /** Secret (>= 32 characters) from which the key that encrypts private signing keys is derived. */
    keyEncryptionSecret: z.string().min(32, "must be at least 32 characters").optional(),
    /** Audiences (RFC 8707 resource indicators) tokens may be issued for; the first is the default. */
    resources: z.array(z.string().url()).min(1).optional(),
    /** Scopes the server knows, besides the OpenID Connect ones. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default([]),
    /** Audience of the internal JWTs the forward-auth endpoint hands to gateways (default: first resource). */
    forwardAuthAudience: z.string().url().optional(),
    /** Lifetime in seconds of those internal JWTs (at most 5 minutes). */
    forwardAuthTtl: seconds.max(300).default(120),
    /**
     * Take the client address from `X-Forwarded-For`: `true` trusts every hop (the
     * leftmost entry, which a client can write when a proxy appends), so prefer
     * `trustProxyHops` (how many proxies append) or a list of proxy addresses/CIDRs.
     */
    trustProxy: z
      .union([flag, z.array(z.string().regex(/^[0-9a-fA-F.:/]+$/, "an IP address or CIDR")).min(1)])
      .default(false),
    /** Proxies in front that append to `X-Forwarded-For` (the address is the one they saw). 0: none. */
    trustProxyHops: z.coerce.number().int().min(0).max(10).default(0),
    /**
     * Hosts, addresses or CIDRs outbound requests (a client's jwks_uri, back-channel
     * logout, upstream providers) may reach although internal (private, loopback, link-local).
     */
    outboundAllowList: z.array(z.string().min(1)).default([]),
    /**
     * SMTP server for outgoing email (`smtp://user:pass@host:587`, STARTTLS when offered;
     * `smtps://…:465`, TLS from the start). Without it, development mode writes each
     * message to the log instead, and production refuses features that need email.
     */
    smtpUrl: z
      .string()
      .refine(
        (value) => /^smtps?:\/\//i.test(value) && URL.canParse(value) && new URL(value).hostname !== "",
        {
          // Never quote the value: it may carry the SMTP password.
          message: "must be a URL starting with smtp:// or smtps:// (smtp://user:password@host:587)",
        },
      )
      .optional(),
    /** The From of every message (`Frontdesk <no-reply@example.com>` or `no-reply@example.com`); required with smtpUrl. */
    emailFrom: z
      .string()
      .refine(isMailbox, {
        message: 'must be an address, "name@example.com" or "Name <name@example.com>"',
      })
      .optional(),
    /**
     * Who may create an account from the sign-in page: `closed` (nobody: operators create
     * users), `invite` (people with an invitation link), `open` (anyone, with username,
     * email address and password).
     */
    registration: z.enum(["closed", "invite", "open"]).default("closed"),
    /**
     * With open registration, a person who registered (or anyone whose address is not
     * verified) confirms the address before signing in to an application.
     */
    registrationRequiresVerifiedEmail: flag.default(true),
    /** Explicit, loudly logged opt-in to an http:// issuer that is not localhost in production. */
    allowInsecureIssuer: flag.default(false),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** `json` lines, readable `pretty` lines, or `auto`: pretty when the log goes to a terminal, JSON otherwise. */
    logFormat: z.enum(["auto", "json", "pretty"]).default("auto"),
  })
  .strict();

/** Feature sections by name, each a zod object (with `enabled` unless the feature is required). */
export type FeatureSections = Record<string, z.ZodObject>;

/** The whole schema: the core keys plus a `features` object of the given sections. */
export function schemaWithFeatures(sections: FeatureSections) {
  const features = Object.fromEntries(
    Object.entries(sections).map(([name, section]) => [name, section.strict().prefault({})]),
  );
  return configSchema.extend({ features: z.object(features).strict().prefault({}) });
}

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The validated, frozen configuration every module receives. */
export interface Config extends Omit<ParsedConfig, "issuer" | "resources" | "keyEncryptionSecret"> {
  readonly issuer: string;
  readonly resources: readonly string[];
  readonly keyEncryptionSecret: string;
  /** `features.<name>`: each feature's validated section (see features/contract.ts). */
  readonly features: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Settings that are insecure and were explicitly allowed; logged loudly at start. */
  readonly warnings: readonly string[];
}
