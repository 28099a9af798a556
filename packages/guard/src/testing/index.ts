/**
 * `@frontdesk/guard/testing`: an issuer for a service's own tests. `createTestIssuer()` serves discovery
 * and a JWKS on 127.0.0.1 and mints access tokens shaped like Frontdesk's (valid, expired, DPoP-bound,
 * or with one flaw), so a service tests its authorization rules against the real verifier without a
 * Frontdesk server. Not for production: it signs whatever it is asked to.
 *
 * @example
 * ```ts
 * import { createVerifier } from "@frontdesk/guard";
 * import { createTestIssuer } from "@frontdesk/guard/testing";
 *
 * const issuer = await createTestIssuer();
 * const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience });
 * await verifier.verify(await issuer.token({ scope: "photos:read" }), { scopes: ["photos:read"] });
 * ```
 * @packageDocumentation
 */
export {
  createTestIssuer,
  type DpopBoundToken,
  type Revocation,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenFlaw,
} from "./issuer.js";
export type { TestIssuerAlgorithm, TokenClaims, TokenHeader } from "./mint.js";
export type { FeedEvent } from "./revocation-feed.js";
