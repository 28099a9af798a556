import type { ResourceProof } from "../../http/bearer-auth.js";
import type { DpopProofs } from "./proofs.js";

/**
 * DPoP at the server's own resources (RFC 9449 7): the proof names this request's
 * method and URL (the issuer plus the path, without query), carries the token's hash
 * (`ath`) and is signed by the key the token is bound to.
 */
export function dpopAtResources(proofs: DpopProofs, issuer: string): ResourceProof {
  return {
    algorithms: proofs.algorithms,
    async verify(request, reply, token) {
      const path = request.url.split("?", 1)[0] as string;
      await proofs.check(
        request.headers.dpop,
        { method: request.method, url: `${issuer}${path}`, accessToken: token.value, jkt: token.jkt },
        "resource",
      );
      proofs.sendNonce(reply);
    },
  };
}
