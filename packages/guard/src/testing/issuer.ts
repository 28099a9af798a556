import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, type JSONWebKeySet } from "jose";
import { createDpopProof, type DpopKey, generateDpopKey } from "../dpop/sign.js";
import type { RevocationEvent } from "../revocation/event.js";
import type { RevocationFeed } from "../revocation/feed.js";
import { type HttpRevocationFeedOptions, httpRevocationFeed } from "../revocation/http-feed.js";
import {
  generateSigningKey,
  merge,
  newJti,
  nowSeconds,
  type SigningKey,
  signToken,
  type TestIssuerAlgorithm,
  type TokenClaims,
  type TokenHeader,
  unsignedToken,
} from "./mint.js";
import { answer, type FeedEvent, RevocationFeedEndpoint } from "./revocation-feed.js";

/** Options of {@link createTestIssuer}; every one has a default. */
export interface TestIssuerOptions {
  /** Algorithm of the issuer's signing key. Default `"ES256"`, as Frontdesk's. */
  alg?: TestIssuerAlgorithm;
  /** `aud` of minted tokens. Default `${issuer}/api`, Frontdesk's default resource. */
  audience?: string;
  /** Lifetime of minted tokens, in seconds. Default 600, as Frontdesk's. */
  ttl?: number;
  /** `sub` of minted tokens. Default `"test-user"`. */
  subject?: string;
  /** `client_id` of minted tokens. Default `"test-client"`. */
  clientId?: string;
}

/** Ways {@link TestIssuer.forgedToken} makes a token the guard must refuse, and the guard's `reason`. */
export type TokenFlaw =
  /** Signed by a key the JWKS does not hold, under its own `kid` (`unknown_key`). */
  | "unknown-key"
  /** Signed by a key the JWKS does not hold, under the issuer's `kid` (`signature_invalid`). */
  | "bad-signature"
  /** Not signed: `alg: none` (`alg_not_allowed`). */
  | "alg-none"
  /** `iss` of another issuer (`claim_invalid`). */
  | "wrong-issuer"
  /** `aud` of another service (`claim_invalid`). */
  | "wrong-audience"
  /** `typ: JWT`, not an access token (`typ_invalid`). */
  | "wrong-typ"
  /** `nbf` an hour ahead (`claim_invalid`). */
  | "not-yet-valid";

/** A token bound to a DPoP key (`cnf.jkt`), with the proofs that go with it. */
export interface DpopBoundToken {
  readonly token: string;
  /** The key the token is bound to (from `@frontdesk/guard/dpop`'s `generateDpopKey` unless given). */
  readonly key: DpopKey;
  /** The key's thumbprint, the token's `cnf.jkt`. */
  readonly jkt: string;
  /** The headers of one request: `Authorization: DPoP <token>` and a new proof for `method` and `url`. */
  headers(method: string, url: string): Promise<{ authorization: string; dpop: string }>;
}

/** What to revoke (docs/revocation-feed.md); `expires_at` defaults to now + `ttl`, `before` (for `sub`) to now. */
export type Revocation = Omit<RevocationEvent, "id" | "expires_at"> & { expires_at?: number };

/** An issuer in this process, minting access tokens the way Frontdesk does. */
export interface TestIssuer {
  /** The issuer URL (`http://127.0.0.1:<port>`): the guard's `issuer` option. */
  readonly issuer: string;
  /** The `aud` of its tokens: the guard's `audience` option. */
  readonly audience: string;
  /** Its signing algorithm: the guard's `algorithms` option needs it unless it is `ES256`. */
  readonly alg: TestIssuerAlgorithm;
  /** Where it serves its JWKS (also named by its discovery document). */
  readonly jwksUri: string;
  /** Its public key set, as served. */
  readonly jwks: JSONWebKeySet;
  /**
   * A valid access token; `claims` and `header` override any default (`undefined` removes a member). A
   * person's sign-in, for step-up rules, is claims too: `{ acr: FRONTDESK_ACR.mfa, amr: ["pwd", "otp"],
   * auth_time }` (none by default).
   */
  token(claims?: TokenClaims, options?: { header?: TokenHeader }): Promise<string>;
  /** A token that expired an hour ago (beyond any clock tolerance), signed by the issuer. */
  expiredToken(claims?: TokenClaims): Promise<string>;
  /** A token bound to a DPoP key (RFC 9449), and a helper for its proofs. */
  dpopToken(claims?: TokenClaims, options?: { key?: DpopKey }): Promise<DpopBoundToken>;
  /** A token with one flaw the guard must refuse, otherwise like {@link token}. */
  forgedToken(flaw: TokenFlaw, claims?: TokenClaims): Promise<string>;
  /** A revocation feed following this issuer (`httpRevocationFeed`): give it to the verifier's `revocations`. */
  revocationFeed(
    options?: Omit<HttpRevocationFeedOptions, "issuer" | "url" | "clientId" | "clientSecret">,
  ): RevocationFeed;
  /** Publishes a revocation; resolves once every open {@link revocationFeed} has applied it. */
  revoke(revocation: Revocation, options?: { timeout?: number }): Promise<FeedEvent>;
  /** Closes the feeds it made and stops serving. */
  close(): Promise<void>;
}

const WRONG_ISSUER = "https://wrong-issuer.invalid";
const WRONG_AUDIENCE = "https://wrong-audience.invalid";
const HOUR = 3600;
const JWKS_PATH = "/jwks";
const FEED_PATH = "/revocations";
const METADATA_PATHS = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"];

/**
 * Starts an issuer on an ephemeral 127.0.0.1 port, with its own key pair: it serves discovery (both
 * well-knowns), its JWKS and a revocation feed, and mints RFC 9068 access tokens shaped like Frontdesk's
 * (`typ: at+jwt`; `iss sub aud client_id scope iat exp jti`). A service's tests point the guard at it as at
 * a Frontdesk server, and test their authorization rules against the real verifier.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer();
 * const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience });
 * await verifier.verify(await issuer.token({ scope: "photos:read" }), { scopes: ["photos:read"] });
 * await issuer.close();
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? "ES256";
  const ttl = options.ttl ?? 600;
  const key = await generateSigningKey(alg);
  let stranger: Promise<SigningKey> | undefined;
  const feedEndpoint = new RevocationFeedEndpoint();
  const feeds = new Set<RevocationFeed>();
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] };

  const server = createServer((req, res) => {
    route(req, res).catch(() => answer(res, 500, { error: "server_error" }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? `${issuer}/api`;
  const metadata = { issuer, jwks_uri: `${issuer}${JWKS_PATH}` };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    const known = METADATA_PATHS.includes(url.pathname) || [JWKS_PATH, FEED_PATH].includes(url.pathname);
    if (!known) return answer(res, 404, { error: "not_found" });
    if (req.method !== "GET") return answer(res, 405, { error: "method_not_allowed" });
    if (url.pathname === FEED_PATH) return feedEndpoint.handle(req, res, url);
    answer(res, 200, url.pathname === JWKS_PATH ? jwks : metadata);
  }

  const claimsOf = (claims: TokenClaims) => {
    const iat = nowSeconds();
    const defaults = {
      iss: issuer,
      sub: options.subject ?? "test-user",
      aud: audience,
      client_id: options.clientId ?? "test-client",
      iat,
      exp: iat + ttl,
      jti: newJti(),
    };
    return merge(defaults, claims);
  };
  const token = (claims: TokenClaims = {}, opts: { header?: TokenHeader } = {}) =>
    signToken(key, claimsOf(claims), opts.header);

  async function forgedToken(flaw: TokenFlaw, claims: TokenClaims = {}): Promise<string> {
    switch (flaw) {
      case "unknown-key":
        return signToken(await strangerKey(), claimsOf(claims));
      case "bad-signature":
        return signToken(await strangerKey(), claimsOf(claims), { kid: key.kid });
      case "alg-none":
        return unsignedToken(claimsOf(claims), { kid: key.kid });
      case "wrong-issuer":
        return token({ ...claims, iss: WRONG_ISSUER });
      case "wrong-audience":
        return token({ ...claims, aud: WRONG_AUDIENCE });
      case "wrong-typ":
        return token(claims, { header: { typ: "JWT" } });
      case "not-yet-valid":
        return token({ ...claims, nbf: nowSeconds() + HOUR });
    }
  }
  function strangerKey(): Promise<SigningKey> {
    stranger ??= generateSigningKey(alg);
    return stranger;
  }

  async function dpopToken(claims: TokenClaims = {}, opts: { key?: DpopKey } = {}): Promise<DpopBoundToken> {
    const dpopKey = opts.key ?? (await generateDpopKey());
    const jkt = await calculateJwkThumbprint(dpopKey.publicJwk, "sha256");
    const bound = await token({ ...claims, cnf: { jkt } });
    return {
      token: bound,
      key: dpopKey,
      jkt,
      headers: async (method, url) => ({
        authorization: `DPoP ${bound}`,
        dpop: await createDpopProof(dpopKey, { method, url, accessToken: bound }),
      }),
    };
  }

  function revocationFeed(
    feedOptions: Omit<HttpRevocationFeedOptions, "issuer" | "url" | "clientId" | "clientSecret"> = {},
  ): RevocationFeed {
    const { clientId, clientSecret, leave } = feedEndpoint.follow();
    const feed = httpRevocationFeed({ ...feedOptions, issuer, clientId, clientSecret });
    const followed: RevocationFeed = {
      ...feed,
      close: async () => {
        feeds.delete(followed);
        leave();
        await feed.close();
      },
    };
    feeds.add(followed);
    return followed;
  }

  function revoke(revocation: Revocation, opts: { timeout?: number } = {}): Promise<FeedEvent> {
    const now = nowSeconds();
    const event = {
      ...revocation,
      ...(revocation.type === "sub" ? { before: revocation.before ?? now } : {}),
      expires_at: revocation.expires_at ?? now + ttl,
    };
    return feedEndpoint.publish(event, opts.timeout ?? 5000);
  }

  async function close(): Promise<void> {
    await Promise.all([...feeds].map((feed) => feed.close()));
    feedEndpoint.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return Object.freeze({
    issuer,
    audience,
    alg,
    jwksUri: metadata.jwks_uri,
    jwks,
    token,
    expiredToken: (claims: TokenClaims = {}) =>
      token({ ...claims, iat: nowSeconds() - HOUR - ttl, exp: nowSeconds() - HOUR }),
    dpopToken,
    forgedToken,
    revocationFeed,
    revoke,
    close,
  });
}
