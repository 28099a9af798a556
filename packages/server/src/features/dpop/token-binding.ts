import { InvalidRequest } from "../../errors/oauth-errors.js";
import { BEARER } from "../../tokens/token-response.js";
import type { TokenBindingStep } from "../contract.js";
import { type DpopProofs, endpointUrl } from "./proofs.js";

/**
 * The token endpoint's binding (RFC 9449 5): with a valid `DPoP` proof the tokens are
 * bound to its key (`cnf.jkt`, `token_type` `DPoP`); without one they are Bearer,
 * unless the client registered `dpop_bound_access_tokens`. A refused proof stops the
 * request before the grant, so the code or refresh token it carried is still usable.
 */
export function dpopTokenBinding(proofs: DpopProofs, issuer: string): TokenBindingStep {
  return async (request, client, reply) => {
    const header = request.headers.dpop;
    if (header === undefined) {
      if (client.metadata.dpopBoundAccessTokens === true)
        throw new InvalidRequest("this client must use DPoP: send a DPoP proof with the token request");
      return BEARER;
    }
    const url = endpointUrl(issuer, request.url);
    const { jkt } = await proofs.check(header, { method: request.method, url }, "authorization-server");
    proofs.sendNonce(reply);
    return { tokenType: "DPoP", confirmation: { jkt } };
  };
}
