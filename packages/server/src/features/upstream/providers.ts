import type * as Oidc from "openid-client";
import type { Config } from "../../config/schema.js";
import { OutboundError, type OutboundPolicy } from "../../outbound/fetch.js";
import { type FetchFunction, guardedFetch } from "../../outbound/guarded-fetch.js";
import { openidClient } from "./openid-client.js";
import { PRESET_SETTINGS, UNVERIFIED_EMAIL_PRESETS } from "./presets.js";
import {
  MAPPED_CLAIMS,
  type MappedClaim,
  type PresetName,
  type ProviderKind,
  type ProviderRecord,
  type ProviderSettings,
} from "./records.js";
import type { ProviderRepository } from "./repositories.js";
import type { ProviderSecret, ProviderSecrets } from "./secrets.js";

/** A provider's settings were refused: the message names the option and the fix. */
export class InvalidProviderInput extends Error {}

/** What `frontdesk upstream add` (and the admin API) gives. */
export interface NewProvider {
  id: string;
  name?: string;
  kind?: ProviderKind;
  preset?: PresetName;
  issuer?: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  trustEmail?: boolean;
  domains?: string[];
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  /** Local claim → upstream field (`sub=id,email=email`). */
  claims?: Record<string, string>;
  /** Apple: team id, key id and the key's PKCS #8 PEM (the `.p8` file). */
  apple?: { teamId: string; keyId: string; privateKey: string };
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Whether `url` may be fetched: https, or http to this machine only (development and tests). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

function endpoint(option: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidProviderInput(`${option}: not a URL (${value})`);
  }
  if (url.protocol !== "https:" && !isLoopbackHttp(url))
    throw new InvalidProviderInput(`${option}: must be https (http only for 127.0.0.1 or localhost)`);
  if (url.hash) throw new InvalidProviderInput(`${option}: must not have a fragment`);
  return url.href.replace(/\/$/, url.pathname === "/" ? "" : "/");
}

function claimMapping(claims: Record<string, string> | undefined, base: ProviderSettings["claims"]) {
  const mapping: Partial<Record<MappedClaim, string>> = { ...base };
  for (const [local, upstream] of Object.entries(claims ?? {})) {
    if (!(MAPPED_CLAIMS as readonly string[]).includes(local))
      throw new InvalidProviderInput(`--claims: ${local} is not one of ${MAPPED_CLAIMS.join(", ")}`);
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(upstream))
      throw new InvalidProviderInput(`--claims: ${local}=${upstream} names no field`);
    mapping[local as MappedClaim] = upstream;
  }
  return mapping;
}

/** Checks and completes a new provider's settings (a preset's filled in, the option given wins). */
export function providerSettings(input: NewProvider): {
  kind: ProviderKind;
  name: string;
  settings: ProviderSettings;
} {
  if (!PROVIDER_ID.test(input.id))
    throw new InvalidProviderInput(
      "--id: 1-32 lower-case letters, digits and -, starting with a letter or digit",
    );
  if (!input.clientId) throw new InvalidProviderInput("--client-id: required (the provider gives it)");
  const preset =
    input.preset && Object.hasOwn(PRESET_SETTINGS, input.preset) ? PRESET_SETTINGS[input.preset] : undefined;
  if (input.preset && !preset)
    throw new InvalidProviderInput(`--preset: one of ${Object.keys(PRESET_SETTINGS).join(", ")}`);
  const base = preset?.settings ?? {};
  const kind = input.kind ?? preset?.kind ?? "oidc";
  if (kind !== "oidc" && kind !== "oauth2") throw new InvalidProviderInput("--kind: oidc or oauth2");
  const name = (input.name ?? preset?.name ?? "").trim();
  if (!name || name.length > 64 || /\p{Cc}/u.test(name))
    throw new InvalidProviderInput("--name: 1-64 characters, shown as “Continue with <name>”");
  if (input.preset && input.trustEmail && UNVERIFIED_EMAIL_PRESETS.includes(input.preset))
    throw new InvalidProviderInput(
      `--trust-email: ${input.preset} does not verify the addresses it reports; link accounts by signing in instead`,
    );
  const issuer = endpoint("--issuer", input.issuer ?? base.issuer);
  const settings: ProviderSettings = {
    issuer: issuer ?? "",
    preset: input.preset ?? null,
    scopes: input.scopes ?? base.scopes ?? (kind === "oidc" ? ["openid", "email", "profile"] : []),
    trustEmail: input.trustEmail === true,
    domains: (input.domains ?? []).map((d) => d.trim().toLowerCase()).filter(Boolean),
    authorizationEndpoint: endpoint(
      "--authorization-endpoint",
      input.authorizationEndpoint ?? base.authorizationEndpoint ?? undefined,
    ),
    tokenEndpoint: endpoint("--token-endpoint", input.tokenEndpoint ?? base.tokenEndpoint ?? undefined),
    userinfoEndpoint: endpoint(
      "--userinfo-endpoint",
      input.userinfoEndpoint ?? base.userinfoEndpoint ?? undefined,
    ),
    claims: claimMapping(input.claims, base.claims ?? {}),
    responseMode: base.responseMode ?? "query",
    tenantIssuerTemplate: base.tenantIssuerTemplate ?? null,
    emailsEndpoint: base.emailsEndpoint ?? null,
    apple: input.apple ? { teamId: input.apple.teamId, keyId: input.apple.keyId } : null,
  };
  for (const domain of settings.domains)
    if (!DOMAIN.test(domain)) throw new InvalidProviderInput(`--domains: ${domain} is not a domain name`);
  if (settings.scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
    throw new InvalidProviderInput("--scopes: space-separated scope names");
  if (kind === "oidc" && !issuer)
    throw new InvalidProviderInput("--issuer: required for an OpenID Connect provider");
  if (kind === "oauth2") {
    for (const [option, value] of [
      ["--authorization-endpoint", settings.authorizationEndpoint],
      ["--token-endpoint", settings.tokenEndpoint],
      ["--userinfo-endpoint", settings.userinfoEndpoint],
    ] as const)
      if (!value) throw new InvalidProviderInput(`${option}: required with --kind oauth2`);
    if (!settings.claims.sub)
      throw new InvalidProviderInput("--claims: say which field is the stable user id (sub=id)");
    // Identities are keyed by the issuer: a plain OAuth 2.0 provider's is its authorization server's origin unless given.
    if (!issuer) settings.issuer = new URL(settings.authorizationEndpoint as string).origin;
  }
  if (input.preset === "apple" && !input.apple)
    throw new InvalidProviderInput(
      "--apple-team-id, --apple-key-id and --apple-private-key-file: required with --preset apple",
    );
  if (!input.apple && !input.clientSecret)
    throw new InvalidProviderInput(
      "--client-secret-stdin or --client-secret: Frontdesk is a confidential client of the provider",
    );
  return { kind, name, settings };
}

/** Why a request failed: the outbound guard's reason when it refused (openid-client wraps it as the cause). */
function reasonOf(error: unknown): string {
  for (let at = error, depth = 0; at && depth < 5; depth++, at = (at as { cause?: unknown }).cause)
    if (at instanceof OutboundError) return at.message;
  return (error as Error).message;
}

/** The provider-side answer: its metadata, from discovery or its configured endpoints. */
export type ServerMetadata = Oidc.ServerMetadata;

/** Upstream providers: added, listed and removed by operators; configured for each sign-in. */
export class UpstreamProviders {
  private readonly discovered = new Map<string, { at: number; metadata: Promise<ServerMetadata> }>();
  /** Every request to a provider (discovery, token, user info, keys) goes through the outbound guard. */
  readonly fetch: FetchFunction;

  constructor(
    private readonly deps: {
      config: Pick<Config, "issuer">;
      providers: ProviderRepository;
      secrets: ProviderSecrets;
      outbound: OutboundPolicy;
    },
    private readonly options: { timeout: number; discoveryTtl?: number },
  ) {
    this.fetch = guardedFetch(deps.outbound, { timeoutMs: options.timeout * 1000 });
  }

  /** The callback URL to register at the provider. */
  redirectUri(id: string): string {
    return `${this.deps.config.issuer}/upstream/${id}/callback`;
  }

  list(): Promise<ProviderRecord[]> {
    return this.deps.providers.list();
  }

  get(id: string): Promise<ProviderRecord | undefined> {
    return PROVIDER_ID.test(id) ? this.deps.providers.get(id) : Promise.resolve(undefined);
  }

  remove(id: string): Promise<boolean> {
    this.discovered.delete(id);
    return this.deps.providers.delete(id);
  }

  /**
   * Adds a provider. An OpenID provider's discovery document is read first (unless a
   * preset vouches for it), so a wrong issuer is refused now, not at a person's sign-in.
   */
  async add(input: NewProvider): Promise<ProviderRecord> {
    const { kind, name, settings } = providerSettings(input);
    const draft: ProviderRecord = {
      id: input.id,
      name,
      kind,
      clientId: input.clientId,
      sealedSecret: null,
      settings,
      createdAt: Math.floor(Date.now() / 1000),
    };
    if (kind === "oidc" && !input.preset) {
      try {
        await this.fetchMetadata(draft);
      } catch (error) {
        throw new InvalidProviderInput(
          `--issuer: could not read ${settings.issuer}/.well-known/openid-configuration (${reasonOf(error)})`,
        );
      }
    }
    const secret: ProviderSecret = input.apple
      ? { applePrivateKey: input.apple.privateKey }
      : { clientSecret: input.clientSecret as string };
    const record = { ...draft, sealedSecret: await this.deps.secrets.seal(input.id, secret) };
    if (!(await this.deps.providers.insert(record)))
      throw new InvalidProviderInput(`--id: a provider "${input.id}" exists; remove it first`);
    return record;
  }

  /** The provider's metadata: discovered (cached a while per process), or from its configured endpoints. */
  metadata(provider: ProviderRecord): Promise<ServerMetadata> {
    const ttl = (this.options.discoveryTtl ?? 600) * 1000;
    const key = `${provider.id}@${provider.createdAt}`;
    const cached = this.discovered.get(key);
    if (cached && Date.now() - cached.at < ttl) return cached.metadata;
    const metadata = this.fetchMetadata(provider);
    this.discovered.set(key, { at: Date.now(), metadata });
    metadata.catch(() => this.discovered.delete(key));
    return metadata;
  }

  private async fetchMetadata(provider: ProviderRecord): Promise<ServerMetadata> {
    const s = provider.settings;
    const overrides = {
      ...(s.authorizationEndpoint ? { authorization_endpoint: s.authorizationEndpoint } : {}),
      ...(s.tokenEndpoint ? { token_endpoint: s.tokenEndpoint } : {}),
      ...(s.userinfoEndpoint ? { userinfo_endpoint: s.userinfoEndpoint } : {}),
    };
    if (provider.kind === "oauth2") return { issuer: s.issuer, ...overrides };
    const url = new URL(s.issuer);
    const oidc = await openidClient();
    const found = await oidc.discovery(url, provider.clientId, undefined, undefined, {
      timeout: this.options.timeout,
      [oidc.customFetch]: this.fetch,
      ...(isLoopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    const { supportsPKCE: _method, ...metadata } = found.serverMetadata();
    return { ...metadata, ...overrides } as ServerMetadata;
  }

  /** A client configuration for one exchange (Apple's secret is made fresh each time). */
  async configuration(provider: ProviderRecord): Promise<Oidc.Configuration> {
    const oidc = await openidClient();
    const metadata = await this.metadata(provider);
    const secret = await this.deps.secrets.clientSecret(provider);
    const methods = metadata.token_endpoint_auth_methods_supported;
    const basic =
      provider.kind === "oidc" &&
      !provider.settings.apple &&
      (!methods || methods.includes("client_secret_basic"));
    const auth = basic ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
    const config = new oidc.Configuration(metadata, provider.clientId, undefined, auth);
    config.timeout = this.options.timeout;
    config[oidc.customFetch] = this.fetch;
    // ID tokens' signatures are verified too, not only trusted for arriving over TLS (OIDC Core 3.1.3.7 allows that).
    if (provider.kind === "oidc" && !provider.settings.tenantIssuerTemplate)
      oidc.enableNonRepudiationChecks(config);
    if (isLoopbackHttp(new URL(metadata.token_endpoint ?? provider.settings.issuer)))
      oidc.allowInsecureRequests(config);
    return config;
  }
}
