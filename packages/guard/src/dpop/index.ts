/**
 * DPoP (RFC 9449) for both sides: `verifyDpopProof` checks a proof as a server or resource does;
 * `generateDpopKey` and `createDpopProof` make proofs as a client does.
 *
 * @example
 * ```ts
 * import { createDpopProof, generateDpopKey, verifyDpopProof } from "@frontdesk/guard/dpop";
 * const key = await generateDpopKey();
 * const proof = await createDpopProof(key, { method: "POST", url: "https://id.example.com/token" });
 * const { jkt } = await verifyDpopProof(proof, { method: "POST", url: "https://id.example.com/token" });
 * ```
 * @packageDocumentation
 */
export {
  accessTokenHash,
  DPOP_ALGORITHMS,
  DpopProofError,
  type DpopProofExpectation,
  type DpopProofReason,
  normalizeHtu,
  type VerifiedDpopProof,
  verifyDpopProof,
} from "./proof.js";
export { createDpopProof, type DpopKey, type DpopProofRequest, generateDpopKey } from "./sign.js";
