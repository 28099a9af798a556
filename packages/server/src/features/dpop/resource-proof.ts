import type { ResourceProof } from "../../http/bearer-auth.js";
import { type DpopProofs, endpointUrl } from "./proofs.js";

/**
 * DPoP at the server's own resources (RFC 9449 7): the proof names this request's
 * method and URL (the issuer plus the path, without query), carries the token's hash
 * (`ath`) and is signed by the key the token is bound to.
 */
export function dpopAtResources(proofs: DpopProofs, issuer: string): ResourceProof {
  return {
    algorithms: proofs.algorithms,
    async verify(request, reply, token) {
      const url = endpointUrl(issuer, request.url);
      const expected = { method: request.method, url, accessToken: token.value, jkt: token.jkt };
      await proofs.check(request.headers.dpop, expected, "resource");
      proofs.sendNonce(reply);
    },
  };
}
