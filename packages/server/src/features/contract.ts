import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Migration } from "kysely";
import type { Logger } from "pino";
import type { z } from "zod";
import type { ClientKeys } from "../clients/client-keys.js";
import type { Config } from "../config/schema.js";
import type { ResourceProof } from "../http/bearer-auth.js";
import type { ClientAuthentication } from "../http/client-auth/authenticate.js";
import type { ClientAuthMethod } from "../http/client-auth/methods.js";
import type {
  AuthorizationStep,
  AuthorizationStepInsertion,
} from "../interaction/authorization-request/types.js";
import type { InteractionCheckInsertion } from "../interaction/checks.js";
import type { InteractionFlow } from "../interaction/flow.js";
import type { Interaction, Interactions } from "../interaction/interactions.js";
import type { InteractionKind } from "../interaction/kinds.js";
import type { KeyManager } from "../keys/key-manager.js";
import type { MailService } from "../mail/mail-service.js";
import type { AcrValue } from "../oauth/assurance.js";
import type { OutboundPolicy } from "../outbound/fetch.js";
import type { Html } from "../pages/html.js";
import type { Revocations } from "../revocation/revocations.js";
import type { CookieNames } from "../sessions/cookies.js";
import type { Csrf } from "../sessions/csrf.js";
import type { Session, SessionEndListener, SessionService } from "../sessions/sessions.js";
import type { ColumnTypes } from "../storage/durable/migrations/column-types.js";
import type { ClientRecord, DurableStore, UserRecord } from "../storage/durable/types.js";
import type { FastStore } from "../storage/fast/types.js";
import type { AccessTokens } from "../tokens/access-token.js";
import type { AuthorizationCodes } from "../tokens/codes.js";
import type { IdTokens } from "../tokens/id-token.js";
import type { RefreshTokens } from "../tokens/refresh-tokens.js";
import type { TokenBinding, TokenResponse } from "../tokens/token-response.js";
import type { AccountLinks } from "../users/account-links.js";
import type { EmailVerification } from "../users/email-verification.js";
import type { LoginThrottle } from "../users/login-throttle.js";
import type { UserData, UserDataEraser } from "../users/user-data.js";
import type { AdminApiPart } from "./admin-api.js";

/**
 * The services the composition root builds once, for the server and the CLI. A
 * feature names the few it uses (`Pick<CoreServices, "durable" | "sessions">`).
 */
export interface CoreServices {
  config: Config;
  durable: DurableStore;
  fast: FastStore;
  keys: KeyManager;
  accessTokens: AccessTokens;
  idTokens: IdTokens;
  refreshTokens: RefreshTokens;
  codes: AuthorizationCodes;
  sessions: SessionService;
  interactions: Interactions;
  loginThrottle: LoginThrottle;
  revocations: Revocations;
  cookies: CookieNames;
  csrf: Csrf;
  logger: Logger;
  /** Where outbound requests may go (SSRF guard): every fetch of a client-supplied URL uses it. */
  outbound: OutboundPolicy;
  /** Clients' public keys (jwks or jwks_uri), for private_key_jwt and request objects. */
  clientKeys: ClientKeys;
  /**
   * Email: `send` enqueues into the durable outbox (a server's worker delivers over
   * SMTP); without smtpUrl it writes to the log. A feature that needs email calls
   * `requireMail` (mail/require-mail.ts) in its build.
   */
  mail: MailService;
  /** Single-use emailed links (verify an address, reset a password, accept an invitation), stored hashed. */
  accountLinks: AccountLinks;
  /** Verification of users' addresses: `send(user)` after creating one with an unverified address. */
  emailVerification: EmailVerification;
  /** The features' records of people, erased when a user is deleted (each feature's `userData` part). */
  userData: UserData;
}

/** One grant type's request at the token endpoint, after client authentication. */
export interface GrantRequest {
  client: ClientRecord;
  params: Record<string, string>;
  request: FastifyRequest;
  /** From the binding step: Bearer, or bound to a key. */
  binding: TokenBinding;
  registry: Registry;
}

/** One grant type's handler: validate the grant-specific parameters, act, answer. */
export type GrantHandler = (grant: GrantRequest) => Promise<TokenResponse>;

/**
 * Decides how a token request's tokens are bound (Bearer by default; DPoP binds them to
 * a key). It may add headers to the reply (a fresh `DPoP-Nonce`).
 */
export type TokenBindingStep = (
  request: FastifyRequest,
  client: ClientRecord,
  reply: FastifyReply,
) => Promise<TokenBinding>;

/** One kind of token introspection recognises: undefined when the token is not of this kind or not active. */
export interface IntrospectionHandler {
  name: string;
  introspect(token: string, caller: ClientRecord): Promise<Record<string, unknown> | undefined>;
}

/** One kind of token revocation handles: true when the token was of this kind (revoked or not the caller's). */
export interface RevocationHandler {
  name: string;
  revoke(token: string, caller: ClientRecord): Promise<boolean>;
}

/** What the enabled features add up to, built once in the composition root. */
export interface Registry {
  /** Enabled feature names, in order. */
  readonly features: readonly string[];
  readonly grants: ReadonlyMap<string, GrantHandler>;
  readonly clientAuth: ClientAuthentication;
  readonly authorizationSteps: readonly AuthorizationStep[];
  readonly interaction: InteractionFlow;
  readonly tokenBinding: TokenBindingStep;
  /** DPoP at the server's own resources (userinfo, admin API); absent: Bearer only. */
  readonly resourceProof?: ResourceProof;
  readonly introspection: readonly IntrospectionHandler[];
  readonly revocation: readonly RevocationHandler[];
  /** Audiences only machine clients (client_credentials) may ask for, besides the configured resources. */
  readonly machineAudiences: readonly string[];
  /** Endpoints browser-based clients call cross-origin (CORS `*`, no credentials). */
  readonly corsPaths: readonly string[];
  /** Links under the sign-in form, in feature order. */
  readonly signInLinks: readonly SignInLink[];
  /** Other ways to sign in than the password form (upstream providers, later passkeys), in feature order. */
  readonly signInMethods: readonly SignInMethod[];
  /** Sections features add to the account page, in feature order. */
  readonly accountSections: readonly AccountSection[];
  /** Second factors (one-time codes, passkeys, recovery codes), in feature order. */
  readonly secondFactors: readonly SecondFactor[];
  /** Routes features add to the admin API (served only when the admin feature is enabled too). */
  readonly adminApi: readonly AdminApiPart[];
  /** Discovery metadata: every enabled feature's contribution, merged. */
  metadata(): Record<string, unknown>;
}

/**
 * A link a feature adds under the sign-in form ("Forgot password?", "Create an
 * account"); the sign-in page passes on its pending request (`request`, `return_to`).
 */
export interface SignInLink {
  /** Local path of the feature's page. */
  path: string;
  label: string;
}

/** What a sign-in page passes on to whichever way the person picks: the pending request. */
export interface PendingSignIn {
  /** Pending interaction id. */
  request?: string;
  /** Local path to return to (already checked). */
  returnTo?: string;
}

/** A button on a sign-in page ("Continue with Google"): a local link that starts that way. */
export interface SignInButton {
  href: string;
  label: string;
}

/**
 * A way to sign in besides the password form. What it offers is asked for at every
 * rendering, in one call (it may change while the server runs: providers added with
 * the CLI); `identifierRoute` lets it take over an identifier typed on the sign-in page
 * (identifier-first company SSO: an address at a domain it serves).
 */
export interface SignInMethod {
  name: string;
  offer(pending: PendingSignIn): Promise<SignInOffer>;
  /** Where to send a browser that typed `identifier`, or undefined when this method does not serve it. */
  identifierRoute?(identifier: string, pending: PendingSignIn): Promise<string | undefined>;
}

/** What a sign-in method offers on one rendering of the sign-in page. */
export interface SignInOffer {
  buttons: readonly SignInButton[];
  /** Whether `identifierRoute` may answer at all (the page then does not require a password up front). */
  routesIdentifiers: boolean;
  /**
   * Scripts (local paths, served by the feature from this origin) the page loads; the
   * page's CSP then allows `script-src 'self'`, never inline script. The page works without them.
   */
  scripts?: readonly string[];
  /** A block under the buttons, for a method that needs one (a passkey button driven by its script). */
  block?: Html;
  /** An autocomplete token added to the username field (`webauthn`: passkey autofill). */
  usernameAutocomplete?: string;
}

/** What an account-page section is drawn from. */
export interface AccountSectionInput {
  user: UserRecord;
  session: Session;
  csrf: string;
  /** The page's `notice` query value (a key; a section shows its own text for the keys it knows). */
  notice?: string;
}

/** A section a feature adds to the account page (linked sign-in providers, later passkeys). */
export interface AccountSection {
  name: string;
  /** The section's HTML, or undefined to show nothing. */
  render(input: AccountSectionInput): Promise<Html | undefined>;
}

/** What a second factor's part of the second-factor page is drawn from. */
export interface SecondFactorPageInput {
  user: UserRecord;
  csrf: string;
  /** What the factor's form passes on (hidden `request`, `return_to`). */
  pending: PendingSignIn;
  /** The level the step must reach: a factor that cannot reach it shows nothing. */
  required: AcrValue;
  /**
   * The person has no second factor yet and one is required: a factor that can be set
   * up on the spot offers that (allowed only right after a first factor, never for an old session).
   */
  enrolling: boolean;
  /** The page's `error` query value (a key; a factor shows its own text for the keys it knows). */
  error?: string;
}

/**
 * A second factor a feature offers. Its own routes verify it, then call
 * `registry.interaction.completeSecondFactor` with the methods it adds.
 */
export interface SecondFactor {
  name: string;
  /** The strongest level a password plus this factor reaches (a passkey: phishing-resistant). */
  reaches: AcrValue;
  /** Whether the person has it set up (recovery codes alone do not count: they only recover). */
  enrolled(userId: string): Promise<boolean>;
  /** Its part of the second-factor page, or undefined to show nothing. */
  render(input: SecondFactorPageInput): Promise<Html | undefined>;
  /** Removes the person's set-up of this factor (an administrator's reset). */
  reset(userId: string): Promise<void>;
  /** Scripts of this origin its part of the page loads (the passkey calls). */
  scripts?: readonly string[];
  /**
   * A factor that stands in for a missing one (recovery codes): uses up `code` when it is
   * valid. Removing one's last second factor accepts it instead of a sign-in with that factor.
   */
  redeem?(userId: string, code: string): Promise<boolean>;
}

/**
 * Decides the level a sign-in must reach before a session is made (the second-factor
 * policy): undefined when one factor is enough.
 */
export type SignInGate = (
  user: UserRecord,
  interaction: Interaction | undefined,
  factors: readonly SecondFactor[],
) => Promise<AcrValue | undefined>;

/** The route options every feature's plugin receives. */
export interface FeatureRouteOptions {
  registry: Registry;
}

/** What a feature adds once built. Every part is optional. */
export interface FeatureParts {
  /** Routes, as an encapsulated Fastify plugin. */
  routes?: FastifyPluginAsync<FeatureRouteOptions>;
  grants?: Record<string, GrantHandler>;
  clientAuthMethods?: readonly ClientAuthMethod[];
  authorizationSteps?: readonly AuthorizationStepInsertion[];
  interactionChecks?: readonly InteractionCheckInsertion[];
  interactionKinds?: readonly InteractionKind[];
  /** At most one feature replaces the Bearer binding. */
  tokenBinding?: TokenBindingStep;
  /** Proof of possession at the server's own resources (at most one feature). */
  resourceProof?: ResourceProof;
  introspection?: readonly IntrospectionHandler[];
  revocation?: readonly RevocationHandler[];
  machineAudiences?: readonly string[];
  corsPaths?: readonly string[];
  signInLinks?: readonly SignInLink[];
  signInMethods?: readonly SignInMethod[];
  accountSections?: readonly AccountSection[];
  secondFactors?: readonly SecondFactor[];
  /** The second-factor policy (at most one feature). */
  signInGate?: SignInGate;
  /** Routes under `/admin/api`, authenticated and documented (OpenAPI) by the admin feature. */
  adminApi?: AdminApiPart;
  /** Discovery metadata this feature contributes; it may read what the registry holds. */
  metadata?: (registry: Registry) => Record<string, unknown>;
  /**
   * Runs when any session ends, in every process that ends sessions (server, CLI):
   * keep it short (enqueue work, never deliver it here).
   */
  sessionEnd?: SessionEndListener;
  /** Erases the feature's records of a user being deleted (in the server and the CLI alike). */
  userData?: UserDataEraser;
  /** Background work of a running server: started once the app is ready, stopped when it closes. */
  workers?: readonly BackgroundWorker[];
}

/** A loop a server runs beside its requests (never in the CLI). */
export interface BackgroundWorker {
  name: string;
  start(): void;
  /** Stops the loop and waits for the round in progress. */
  stop(): Promise<void>;
}

/** The options of a feature section: always `enabled`, plus the feature's own. */
export type FeatureOptions<S extends z.ZodObject> = z.output<S> & { enabled: boolean };

/**
 * A capability of the server. Its configuration is `features.<name>` (validated with
 * zod at start-up like every other key, environment `FRONTDESK_FEATURES_<NAME>_<KEY>`);
 * its migrations always run (so switching it on later needs no migration step); its
 * parts are built only when it is enabled.
 */
export interface Feature<S extends z.ZodObject = z.ZodObject> {
  /** camelCase: the key under `features`. */
  name: string;
  /** Core features have no `enabled` switch: the server is not a server without them. */
  required?: boolean;
  /** Default of `enabled` (true unless said otherwise). */
  enabledByDefault?: boolean;
  /** The feature's own options (besides `enabled`), each with its default. */
  options?: S;
  /** Migrations of the feature's own tables, named `<feature>-NNN-<what>` so they sort after the core's. */
  migrations?: Record<string, (types: ColumnTypes) => Migration>;
  build(services: CoreServices, options: FeatureOptions<S>): FeatureParts | Promise<FeatureParts>;
}

/** Declares a feature with its option types inferred. */
export function defineFeature<S extends z.ZodObject>(feature: Feature<S>): Feature<S> {
  return feature;
}
