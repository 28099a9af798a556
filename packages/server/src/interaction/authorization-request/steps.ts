import {
  InvalidRequest,
  InvalidScope,
  RequestNotSupported,
  RequestUriNotSupported,
  UnauthorizedClient,
  UnsupportedResponseType,
} from "../../errors/oauth-errors.js";
import { parseForm } from "../../http/form-body.js";
import { singleParam } from "../../oauth/params.js";
import { CODE_CHALLENGE_METHODS, isValidChallenge } from "../../oauth/pkce.js";
import { parsePrompt } from "../../oauth/prompt.js";
import { resolveAudience } from "../../oauth/resource.js";
import { isOneOf, RESPONSE_MODES, RESPONSE_TYPES } from "../../oauth/response-type.js";
import { parseScope, requireAllowed } from "../../oauth/scopes.js";
import { type AuthorizationStep, UnreturnableError } from "./types.js";

/** Parameters from the query string (GET) or the form body (POST). */
export const sourceStep: AuthorizationStep = {
  name: "source",
  run(draft, _deps, source) {
    if (source.method === "POST") {
      draft.params = (source.body as Record<string, string[]> | undefined) ?? Object.create(null);
      return;
    }
    const q = source.url.indexOf("?");
    draft.params = q < 0 ? Object.create(null) : parseForm(source.url.slice(q + 1));
  },
};

function unreturnable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UnreturnableError((error as Error).message);
  }
}

/** Who is asking: a registered, enabled client. */
export const clientStep: AuthorizationStep = {
  name: "client",
  async run(draft, deps) {
    const clientId = unreturnable(() => singleParam(draft.params, "client_id"));
    if (!clientId) throw new UnreturnableError("The request has no client_id.");
    const client = await deps.clients.get(clientId);
    if (!client || client.disabled)
      throw new UnreturnableError("The application that sent you here is not registered.");
    draft.client = client;
    draft.request.clientId = client.id;
  },
};

/** Where the answer may go: an exact match of a registered redirect URI (RFC 9700 2.1). */
export const redirectUriStep: AuthorizationStep = {
  name: "redirect_uri",
  run(draft) {
    const client = draft.client;
    if (!client) throw new UnreturnableError("The request has no client_id.");
    let redirectUri = unreturnable(() => singleParam(draft.params, "redirect_uri"));
    if (redirectUri === undefined) {
      if (client.redirectUris.length !== 1) throw new UnreturnableError("The request has no redirect_uri.");
      redirectUri = client.redirectUris[0] as string;
    }
    if (!client.redirectUris.includes(redirectUri))
      throw new UnreturnableError("The redirect_uri is not registered for this application.");
    draft.redirectUri = redirectUri;
    draft.request.redirectUri = redirectUri;
  },
};

/** `state`, echoed to the client with every answer from here on. */
export const stateStep: AuthorizationStep = {
  name: "state",
  run(draft) {
    draft.state = singleParam(draft.params, "state") ?? null;
    draft.request.state = draft.state;
  },
};

/**
 * What is left of `request` and `request_uri` once features had their say: features
 * resolve a signed request object and this server's own pushed request_uri (and remove
 * them from the parameters); any other is refused. A request_uri is never fetched.
 */
export const requestObjectStep: AuthorizationStep = {
  name: "request_object",
  run(draft) {
    if (singleParam(draft.params, "request") !== undefined)
      throw new RequestNotSupported("request objects are not supported");
    if (singleParam(draft.params, "request_uri") !== undefined)
      throw new RequestUriNotSupported("request_uri is not supported: push the request to this server");
  },
};

/** `response_type=code`, for a client allowed the code flow; answers by query only. */
export const responseTypeStep: AuthorizationStep = {
  name: "response_type",
  run(draft) {
    const responseType = singleParam(draft.params, "response_type");
    if (responseType === undefined) throw new InvalidRequest('missing parameter "response_type"');
    if (!isOneOf(RESPONSE_TYPES, responseType))
      throw new UnsupportedResponseType("only response_type=code is supported");
    if (!draft.client?.grantTypes.includes("authorization_code"))
      throw new UnauthorizedClient("client is not allowed the authorization code flow");
    const responseMode = singleParam(draft.params, "response_mode");
    if (responseMode !== undefined && !isOneOf(RESPONSE_MODES, responseMode))
      throw new InvalidRequest("only response_mode=query is supported");
  },
};

/** PKCE is required, S256 only (RFC 7636, OAuth 2.1). */
export const pkceStep: AuthorizationStep = {
  name: "pkce",
  run(draft) {
    const codeChallenge = singleParam(draft.params, "code_challenge");
    const method = singleParam(draft.params, "code_challenge_method");
    if (!codeChallenge)
      throw new InvalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256");
    if (!isOneOf(CODE_CHALLENGE_METHODS, method))
      throw new InvalidRequest("code_challenge_method must be S256");
    if (!isValidChallenge(codeChallenge)) throw new InvalidRequest("malformed code_challenge");
    draft.request.codeChallenge = codeChallenge;
  },
};

/** Scopes: required, and each one registered for the client. */
export const scopeStep: AuthorizationStep = {
  name: "scope",
  run(draft) {
    const scopes = parseScope(singleParam(draft.params, "scope"));
    if (!scopes.length) throw new InvalidScope("scope is required");
    requireAllowed(scopes, draft.client?.scopes ?? []);
    draft.request.scopes = scopes;
  },
};

/** `max_age` (OIDC Core 3.1.2.1): seconds since the person last signed in. */
export const maxAgeStep: AuthorizationStep = {
  name: "max_age",
  run(draft) {
    const text = singleParam(draft.params, "max_age");
    if (text !== undefined && !/^\d{1,9}$/.test(text))
      throw new InvalidRequest("max_age must be a non-negative integer");
    draft.request.maxAge = text === undefined ? null : Number(text);
  },
};

/** The audience (RFC 8707 `resource`), one the server is configured to serve. */
export const resourceStep: AuthorizationStep = {
  name: "resource",
  run(draft, deps) {
    draft.request.audience = resolveAudience(singleParam(draft.params, "resource"), deps.resources);
  },
};

/** `nonce`, `prompt`, `login_hint` and `acr_values` (OIDC Core 3.1.2.1). */
export const oidcParametersStep: AuthorizationStep = {
  name: "oidc_parameters",
  run(draft) {
    const acrValues = (singleParam(draft.params, "acr_values") ?? "").split(" ").filter(Boolean);
    if (acrValues.length > 10 || acrValues.some((v) => v.length > 256 || !/^[\x21-\x7e]+$/.test(v)))
      throw new InvalidRequest("acr_values must be at most ten space-separated values");
    if (acrValues.length) draft.request.acrValues = [...new Set(acrValues)];
    draft.request.nonce = singleParam(draft.params, "nonce") ?? null;
    draft.request.prompt = parsePrompt(singleParam(draft.params, "prompt"));
    draft.request.loginHint = singleParam(draft.params, "login_hint")?.slice(0, 254) ?? null;
  },
};

/** The authorization endpoint's steps, in order. */
export const coreAuthorizationSteps: readonly AuthorizationStep[] = [
  sourceStep,
  clientStep,
  redirectUriStep,
  stateStep,
  requestObjectStep,
  responseTypeStep,
  pkceStep,
  scopeStep,
  maxAgeStep,
  resourceStep,
  oidcParametersStep,
];
