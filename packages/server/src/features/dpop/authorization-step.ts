import { InvalidRequest } from "../../errors/oauth-errors.js";
import type { AuthorizationStepInsertion } from "../../interaction/authorization-request/types.js";
import { singleParam } from "../../oauth/params.js";
import { type DpopProofs, endpointUrl } from "./proofs.js";

/** A JWK SHA-256 thumbprint (RFC 7638): 32 bytes in base64url. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * `dpop_jkt` (RFC 9449 10): the code is bound to that key. A pushed request may instead
 * carry a DPoP proof (10.1), checked like the token endpoint's: the code is then bound
 * to the proof's key, and a `dpop_jkt` naming another key is refused. The key is kept
 * as `dpop_jkt` in the pushed parameters, so `/authorize` binds the code to it.
 */
export function dpopJktStep(proofs: DpopProofs, issuer: string): AuthorizationStepInsertion {
  return {
    before: "oidc_parameters",
    step: {
      name: "dpop_jkt",
      async run(draft, _deps, source) {
        const named = singleParam(draft.params, "dpop_jkt");
        if (named !== undefined && !THUMBPRINT.test(named))
          throw new InvalidRequest("dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key");
        const header = source.headers?.dpop;
        const expected = { method: source.method, url: endpointUrl(issuer, source.url) };
        const proven =
          header === undefined
            ? undefined
            : (await proofs.check(header, expected, "authorization-server")).jkt;
        if (named !== undefined && proven !== undefined && named !== proven)
          throw new InvalidRequest("dpop_jkt does not match the key of the DPoP proof");
        const jkt = named ?? proven;
        if (jkt === undefined) return;
        draft.params.dpop_jkt = [jkt];
        draft.request.dpopJkt = jkt;
      },
    },
  };
}
