import type { OAuthError } from "../../errors/oauth-errors.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** What every interaction's request has, whatever started it (authorization request, device code). */
export interface InteractionRequest {
  clientId: string;
  scopes: string[];
  prompt: ("none" | "login" | "consent")[];
  maxAge: number | null;
  loginHint: string | null;
  /** `acr_values` (OIDC Core 3.1.2.1), in the client's order of preference; absent when none. */
  acrValues?: string[];
}

/** A validated authorization request (RFC 6749 4.1.1 + PKCE + OIDC). */
export interface AuthorizationRequest extends InteractionRequest {
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  audience: string;
  /** JWK thumbprint of the DPoP key the code is bound to (`dpop_jkt`, RFC 9449 10). */
  dpopJkt?: string;
}

/**
 * A request that must not be sent back to the client (unknown client, bad redirect URI):
 * an error page. It may name the OAuth error (a bad request object or pushed request_uri,
 * found before the redirect URI is known), which the page shows and JSON endpoints send.
 */
export class UnreturnableError extends Error {
  constructor(
    message: string,
    readonly error?: OAuthError,
  ) {
    super(message);
  }
}

/**
 * A request error that is returned to the client's (verified) redirect URI: at once
 * with `prompt=none` (`silent`) or to a signed-in browser, else after sign-in.
 */
export class ReturnableError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly client: ClientRecord,
    readonly redirectUri: string,
    readonly state: string | null,
    readonly silent: boolean,
  ) {
    super(error.description);
  }
}

/** The request as the steps build it up: raw parameters in, a validated request out. */
export interface AuthorizationDraft {
  /** Raw parameters, every value kept so repeats can be refused. A source step fills them. */
  params: Record<string, string[]>;
  client?: ClientRecord;
  /** Known (and verified against the client) once the redirect-URI step has run. */
  redirectUri?: string;
  state: string | null;
  request: Partial<AuthorizationRequest>;
  /** Set when the parameters came from a pushed authorization request (RFC 9126): its request_uri. */
  pushedRequestUri?: string;
}

/** What the steps may look up: clients, and the resources the server serves. */
export interface AuthorizationStepDeps {
  clients: { get(id: string): Promise<ClientRecord | undefined> };
  resources: readonly string[];
}

/** The HTTP request as a source step sees it. */
export interface RequestSource {
  method: string;
  url: string;
  body: unknown;
  /**
   * Headers of a request the client sent itself (a push to /par), which may carry
   * proofs such as DPoP; absent for a browser's request to /authorize.
   */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * One named check of an authorization request. Until the client and its redirect URI
 * are known, failures render an error page; after, they go back to the client.
 */
export interface AuthorizationStep {
  name: string;
  run(draft: AuthorizationDraft, deps: AuthorizationStepDeps, source: RequestSource): void | Promise<void>;
}

/** A feature's step, placed before a named core step (or at the end). */
export interface AuthorizationStepInsertion {
  step: AuthorizationStep;
  before?: string;
}
