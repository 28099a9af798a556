import type { JWTPayload } from "jose";
import type { ClientKeys } from "../../clients/client-keys.js";
import { InvalidRequestObject } from "../../errors/oauth-errors.js";
import {
  paramBeforeRedirect as param,
  referencingClientId,
} from "../../interaction/authorization-request/references.js";
import { type AuthorizationStep, UnreturnableError } from "../../interaction/authorization-request/types.js";
import { type RequestObjectRules, verifyRequestObject } from "./verify.js";

/** Registered JWT claims of the request object itself, not authorization parameters. */
const JWT_CLAIMS = new Set(["iss", "aud", "exp", "nbf", "iat", "jti", "sub"]);

/** The request object's claims as authorization parameters (RFC 9101 6.3: only these are used). */
function claimsToParams(payload: JWTPayload, clientId: string): Record<string, string[]> {
  const params: Record<string, string[]> = Object.create(null);
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name) || value === null || value === undefined) continue;
    if (name === "request" || name === "request_uri")
      throw new InvalidRequestObject(`a request object must not contain ${name}`);
    if (name === "client_id" && value !== clientId)
      throw new InvalidRequestObject("client_id in the request object does not match the request's");
    params[name] = [typeof value === "object" ? JSON.stringify(value) : String(value)];
  }
  params.client_id = [clientId];
  return params;
}

/**
 * The `request` parameter (RFC 9101), at `/authorize` and in a pushed request: verified
 * against the client's registered keys, its claims then replace every other parameter.
 * It runs before the redirect URI is known, so a refusal is an error page naming the code.
 */
export function signedRequestStep(
  clientKeys: Pick<ClientKeys, "keysOf">,
  rules: RequestObjectRules,
): AuthorizationStep {
  return {
    name: "signed_request",
    async run(draft, deps) {
      const jwt = param(draft.params, "request");
      if (jwt === undefined) return;
      const clientId = referencingClientId(draft.params);
      const client = await deps.clients.get(clientId);
      if (!client || client.disabled)
        throw new UnreturnableError("The application that sent you here is not registered.");
      try {
        const payload = await verifyRequestObject(jwt, client, (c) => clientKeys.keysOf(c), rules);
        draft.params = claimsToParams(payload, client.id);
      } catch (error) {
        if (!(error instanceof InvalidRequestObject)) throw error;
        throw new UnreturnableError("The application sent a request that could not be verified.", error);
      }
    },
  };
}
