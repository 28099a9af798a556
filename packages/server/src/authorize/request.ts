import type { Context } from "../context.js";
import {
  InvalidRequest,
  InvalidScope,
  OAuthError,
  UnauthorizedClient,
  UnsupportedResponseType,
} from "../errors/oauth-errors.js";
import { isValidChallenge } from "../shared/pkce.js";
import { resolveAudience } from "../shared/resource.js";
import { parseScope, requireAllowed } from "../shared/scopes.js";
import type { ClientRecord } from "../storage/durable/types.js";

/** A validated authorization request (RFC 6749 4.1.1 + PKCE + OIDC). */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  prompt: ("none" | "login" | "consent")[];
  maxAge: number | null;
  loginHint: string | null;
  audience: string;
}

/** A request that must not be sent back to the client (unknown client, bad redirect URI): an error page. */
export class UnreturnableError extends Error {}

/** A request error that is returned to the client's (verified) redirect URI. */
export class ReturnableError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | null,
  ) {
    super(error.description);
  }
}

function single(params: Record<string, string[]>, name: string): string | undefined {
  const values = params[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidRequest(`parameter "${name}" is repeated`);
  return values[0] === "" ? undefined : values[0];
}

/** Steps 1-2: who is asking and where may the answer go. Failures here render an error page. */
async function identifyClient(
  ctx: Context,
  params: Record<string, string[]>,
): Promise<{ client: ClientRecord; redirectUri: string }> {
  let clientId: string | undefined;
  let redirectUri: string | undefined;
  try {
    clientId = single(params, "client_id");
    redirectUri = single(params, "redirect_uri");
  } catch (error) {
    throw new UnreturnableError((error as Error).message);
  }
  if (!clientId) throw new UnreturnableError("The request has no client_id.");
  const client = await ctx.durable.clients.get(clientId);
  if (!client || client.disabled)
    throw new UnreturnableError("The application that sent you here is not registered.");
  if (redirectUri === undefined) {
    if (client.redirectUris.length !== 1) throw new UnreturnableError("The request has no redirect_uri.");
    redirectUri = client.redirectUris[0] as string;
  }
  // Exact string match against registered values (RFC 9700 2.1).
  if (!client.redirectUris.includes(redirectUri))
    throw new UnreturnableError("The redirect_uri is not registered for this application.");
  return { client, redirectUri };
}

function parsePrompt(value: string | undefined): AuthorizationRequest["prompt"] {
  const values = (value ?? "").split(" ").filter(Boolean);
  for (const v of values)
    if (!["none", "login", "consent", "select_account"].includes(v))
      throw new InvalidRequest(`unsupported prompt "${v}"`);
  if (values.includes("none") && values.length > 1) throw new InvalidRequest("prompt=none must be alone");
  return values.filter((v): v is "none" | "login" | "consent" => v !== "select_account");
}

/** Validates an authorization request; throws UnreturnableError or ReturnableError. */
export async function validateAuthorizationRequest(
  ctx: Context,
  params: Record<string, string[]>,
): Promise<{ client: ClientRecord; request: AuthorizationRequest }> {
  const { client, redirectUri } = await identifyClient(ctx, params);
  let state: string | null = null;
  try {
    state = single(params, "state") ?? null;
  } catch (error) {
    throw new ReturnableError(error as OAuthError, redirectUri, null);
  }
  try {
    if (single(params, "request") !== undefined)
      throw new InvalidRequest("request objects are not supported");
    if (single(params, "request_uri") !== undefined) throw new InvalidRequest("request_uri is not supported");
    const responseType = single(params, "response_type");
    if (responseType === undefined) throw new InvalidRequest('missing parameter "response_type"');
    if (responseType !== "code") throw new UnsupportedResponseType("only response_type=code is supported");
    if (!client.grantTypes.includes("authorization_code"))
      throw new UnauthorizedClient("client is not allowed the authorization code flow");
    const responseMode = single(params, "response_mode");
    if (responseMode !== undefined && responseMode !== "query")
      throw new InvalidRequest("only response_mode=query is supported");
    const codeChallenge = single(params, "code_challenge");
    const method = single(params, "code_challenge_method");
    if (!codeChallenge)
      throw new InvalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256");
    if (method !== "S256") throw new InvalidRequest("code_challenge_method must be S256");
    if (!isValidChallenge(codeChallenge)) throw new InvalidRequest("malformed code_challenge");
    const scopes = parseScope(single(params, "scope"));
    if (!scopes.length) throw new InvalidScope("scope is required");
    requireAllowed(scopes, client.scopes);
    const maxAgeText = single(params, "max_age");
    if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText))
      throw new InvalidRequest("max_age must be a non-negative integer");
    const audience = resolveAudience(single(params, "resource"), ctx.config.resources);
    return {
      client,
      request: {
        clientId: client.id,
        redirectUri,
        scopes,
        state,
        nonce: single(params, "nonce") ?? null,
        codeChallenge,
        prompt: parsePrompt(single(params, "prompt")),
        maxAge: maxAgeText === undefined ? null : Number(maxAgeText),
        loginHint: single(params, "login_hint")?.slice(0, 64) ?? null,
        audience,
      },
    };
  } catch (error) {
    if (error instanceof OAuthError) throw new ReturnableError(error, redirectUri, state);
    throw error;
  }
}
