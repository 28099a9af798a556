import { InvalidRequest, type OAuthError } from "../../errors/oauth-errors.js";
import { singleParam } from "../../oauth/params.js";
import { UnreturnableError } from "./types.js";

/** One parameter, read before the redirect URI is known: a repeat is an error page naming `invalid_request`. */
export function paramBeforeRedirect(params: Record<string, string[]>, name: string): string | undefined {
  try {
    return singleParam(params, name);
  } catch (error) {
    throw new UnreturnableError((error as Error).message, error as OAuthError);
  }
}

/**
 * The client of a request that arrives by reference (`request` or `request_uri`,
 * RFC 9101 / RFC 9126): never both, and `client_id` outside is required.
 */
export function referencingClientId(params: Record<string, string[]>): string {
  if (
    paramBeforeRedirect(params, "request") !== undefined &&
    paramBeforeRedirect(params, "request_uri") !== undefined
  )
    throw new UnreturnableError(
      "The request has both request and request_uri.",
      new InvalidRequest("use request or request_uri, not both"),
    );
  const clientId = paramBeforeRedirect(params, "client_id");
  if (clientId === undefined)
    throw new UnreturnableError("The request has no client_id.", new InvalidRequest("missing client_id"));
  return clientId;
}
