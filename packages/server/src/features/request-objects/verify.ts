import { isCanonicalCompactJws } from "@frontdesk/guard";
import { decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { InvalidRequestObject } from "../../errors/oauth-errors.js";
import type { ClientRecord } from "../../storage/durable/types.js";

/** Asymmetric algorithms only: never `none`, never HS* (a client secret is no signing key here). */
export const REQUEST_OBJECT_ALGS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

/** `typ` values accepted (RFC 9101 10.8), compared case-insensitively; absent is accepted too. */
const ACCEPTED_TYPES = new Set(["jwt", "oauth-authz-req+jwt", "application/oauth-authz-req+jwt"]);

/** Largest request object accepted, in characters. */
export const MAX_REQUEST_OBJECT_LENGTH = 32 * 1024;

export interface RequestObjectRules {
  issuer: string;
  /** Furthest `exp` may lie ahead, in seconds. */
  maxLifetime: number;
  /** Clock skew tolerated, in seconds. */
  skew: number;
  now: () => number;
}

const invalid = (why: string) => new InvalidRequestObject(why);

function checkHeader(jwt: string): void {
  if (jwt.length > MAX_REQUEST_OBJECT_LENGTH) throw invalid("the request object is too large");
  if (!isCanonicalCompactJws(jwt)) throw invalid("the request object is not a canonical compact JWS");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw invalid("the request object's header is not valid JSON");
  }
  if (!(REQUEST_OBJECT_ALGS as readonly string[]).includes(String(header.alg)))
    throw invalid(`alg must be one of ${REQUEST_OBJECT_ALGS.join(", ")}`);
  if (header.typ !== undefined && !ACCEPTED_TYPES.has(String(header.typ).toLowerCase()))
    throw invalid("typ must be oauth-authz-req+jwt (or JWT)");
}

function checkTimes(payload: JWTPayload, rules: RequestObjectRules): void {
  const now = rules.now();
  if ((payload.exp ?? 0) > now + rules.maxLifetime + rules.skew)
    throw invalid(`exp must be at most ${rules.maxLifetime} seconds ahead`);
  for (const claim of ["iat", "nbf"] as const) {
    const value = payload[claim];
    if (value === undefined) continue;
    if (value > now + rules.skew) throw invalid(`${claim} is in the future`);
    if (value < now - 3600) throw invalid(`${claim} is more than an hour old`);
  }
}

/**
 * Verifies a request object (RFC 9101): strict JWS form, an allowed asymmetric algorithm,
 * an accepted `typ`, a signature by one of the client's registered keys, `iss` the client,
 * `aud` this issuer, `exp` required and near, `iat`/`nbf` sane. Every failure is
 * `invalid_request_object`. Returns the claims.
 */
export async function verifyRequestObject(
  jwt: string,
  client: ClientRecord,
  keysOf: (client: ClientRecord) => JWTVerifyGetKey,
  rules: RequestObjectRules,
): Promise<JWTPayload> {
  checkHeader(jwt);
  let payload: JWTPayload;
  try {
    const { payload: verified } = await jwtVerify(jwt, keysOf(client), {
      algorithms: [...REQUEST_OBJECT_ALGS],
      issuer: client.id,
      audience: rules.issuer,
      requiredClaims: ["exp"],
      currentDate: new Date(rules.now() * 1000),
      clockTolerance: rules.skew,
    });
    payload = verified;
  } catch (error) {
    throw invalid(`the request object was refused: ${(error as Error).message}`);
  }
  checkTimes(payload, rules);
  return payload;
}
