import type { OAuthError } from "../errors/oauth-errors.js";
import type { InteractionRequest } from "./authorization-request/types.js";
import type { Interaction } from "./interactions.js";
import type { InteractionKind } from "./kinds.js";
import { redirectToClient } from "./respond.js";

/**
 * The kind of an interaction that holds an authorization request's error until the
 * person has signed in (RFC 9700 4.11.2): a signed-out browser is never bounced to a
 * client's redirect URI by a request anyone could have crafted.
 */
export const AUTHORIZATION_ERROR = "authorization-error";

/** A refused authorization request, kept for delivery to the client's verified redirect URI. */
export interface PendingErrorRequest extends InteractionRequest {
  redirectUri: string;
  state: string | null;
  error: { code: string; description?: string };
}

/** The interaction request for a refused authorization request: no scopes (nothing to consent to). */
export function pendingError(
  clientId: string,
  redirectUri: string,
  state: string | null,
  error: Pick<OAuthError, "code" | "description">,
): PendingErrorRequest {
  return {
    clientId,
    scopes: [],
    prompt: [],
    maxAge: null,
    loginHint: null,
    redirectUri,
    state,
    error: { code: error.code, ...(error.description ? { description: error.description } : {}) },
  };
}

/** However the interaction ends (signed in, denied, failed), the client gets the original error. */
export function authorizationErrorKind(issuer: string): InteractionKind {
  const deliver = (reply: Parameters<InteractionKind["deny"]>[0], interaction: Interaction) => {
    const request = interaction.request as PendingErrorRequest;
    return redirectToClient(reply, issuer, request.redirectUri, request.state, { error: request.error });
  };
  return {
    name: AUTHORIZATION_ERROR,
    complete: async (reply, interaction) => deliver(reply, interaction),
    deny: deliver,
    fail: (reply, interaction) => deliver(reply, interaction),
  };
}
