/**
 * `@frontdesk/guard`: local verification of Frontdesk access tokens for resource servers.
 * Framework adapters live in `@frontdesk/guard/node`, `/express`, `/fastify` and `/hono`; DPoP proofs
 * (RFC 9449) are made and checked by `@frontdesk/guard/dpop`.
 *
 * @example
 * ```ts
 * import { createVerifier } from "@frontdesk/guard";
 * const verifier = createVerifier({ issuer: "https://id.example.com", audience: "https://api.example.com" });
 * const claims = await verifier.verify(token, { scopes: ["orders:read"] });
 * ```
 * @packageDocumentation
 */
export {
  type AuthenticateOptions,
  authenticate,
  type ErrorResponse,
  errorResponse,
  type GuardOptions,
} from "./authenticate.js";
export {
  type AuthenticationRequirement,
  type AuthenticationShortfall,
  assertAuthentication,
  authenticationRequirement,
  authenticationShortfall,
  FRONTDESK_ACR,
} from "./authentication-level.js";
export { type CredentialSources, type Credentials, extractBearer, extractCredentials } from "./bearer.js";
export { type AccessTokenClaims, type ActorClaim, assertScopes, scopesOf } from "./claims.js";
export {
  type DpopConfig,
  type DpopOptions,
  SUPPORTED_ALGORITHMS,
  type VerifierConfig,
  type VerifierOptions,
} from "./config.js";
export type { DpopRequest } from "./dpop/binding.js";
export {
  type RedisDpopReplayCacheOptions,
  type RedisSetClientLike,
  redisDpopReplayCache,
} from "./dpop/redis-replay-cache.js";
export {
  type DpopReplayCache,
  DpopReplayCacheFullError,
  MemoryDpopReplayCache,
  type MemoryDpopReplayCacheOptions,
} from "./dpop/replay-cache.js";
export {
  type AuthScheme,
  type Challenge,
  GuardError,
  type GuardErrorCode,
  type GuardErrorReason,
} from "./errors.js";
export type { FetchLike } from "./http/fetch.js";
export {
  isCryptoKey,
  JWS_SCHEMES,
  type JwsScheme,
  keyObjectOf,
  verifyJwt,
} from "./jws-signature.js";
export type { JwksSource } from "./keys.js";
export type { RevocationCheck } from "./revocation/check.js";
export type { RevocationEvent, RevocationType } from "./revocation/event.js";
export type { FeedErrorHandler, RevocationFeed } from "./revocation/feed.js";
export { type HttpRevocationFeedOptions, httpRevocationFeed } from "./revocation/http-feed.js";
export {
  type RedisClientLike,
  type RedisRevocationFeedOptions,
  redisRevocationFeed,
} from "./revocation/redis-feed.js";
export { RevocationSet, type RevocationSetOptions } from "./revocation/set.js";
export {
  type ClientCredentialsOptions,
  clientCredentialsTokenSource,
  type ExchangeOptions,
  TokenRequestError,
  type TokenSource,
} from "./service/token-source.js";
export { isCanonicalCompactJws } from "./strict-jws.js";
export { createVerifier, type Verifier, type VerifyOptions } from "./verifier.js";
export { formatWwwAuthenticate, quoteHeaderValue } from "./www-authenticate.js";
