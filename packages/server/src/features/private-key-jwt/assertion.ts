import { isCanonicalCompactJws } from "@frontdesk/guard";
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";

/** `client_assertion_type` of a JWT client assertion (RFC 7523 2.2). */
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * Algorithms a client may sign its assertion with: asymmetric only, never `none` or HS*.
 * `Ed25519` is the fully specified name of `EdDSA` with that curve (RFC 9864), which
 * openid-client sends.
 */
export const ASSERTION_SIGNING_ALGS = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519"] as const;

/** Header `typ` values an assertion may carry: none, plain JWT, or the explicit client-authentication type. */
const ACCEPTED_TYPES = new Set([undefined, "JWT", "client-authentication+jwt"]);

export interface AssertionRules {
  clientId: string;
  /** Audience values that name this server: the issuer, the token endpoint, the endpoint called. */
  audiences: readonly string[];
  /** The longest an assertion may still be valid for, from now (seconds). */
  maxLifetime: number;
  /** Tolerated clock difference with the client (seconds). */
  leeway: number;
  /** Seconds since the epoch. */
  now: number;
}

/** Why an assertion was refused: logged at most, never told to the caller (every refusal is invalid_client). */
export class AssertionRefused extends Error {}

function checkAudience(aud: JWTPayload["aud"], accepted: readonly string[]): void {
  // Every audience must be this server (a client tricked into signing for another
  // audience, RFC 7523bis audience injection, is not honoured here).
  const values = Array.isArray(aud) ? aud : [aud];
  if (!values.length || !values.every((v) => typeof v === "string" && accepted.includes(v)))
    throw new AssertionRefused("aud");
}

function checkTimes(payload: JWTPayload, rules: AssertionRules): number {
  const { exp, iat } = payload;
  if (typeof exp !== "number") throw new AssertionRefused("exp missing");
  if (exp <= rules.now - rules.leeway) throw new AssertionRefused("expired");
  if (exp - rules.now > rules.maxLifetime + rules.leeway) throw new AssertionRefused("exp too far ahead");
  if (iat !== undefined && (typeof iat !== "number" || iat > rules.now + rules.leeway))
    throw new AssertionRefused("iat in the future");
  return exp;
}

/**
 * Verifies a client assertion (RFC 7523 3, OIDC Core 9) for one registered client:
 * canonical compact JWS, an allowed asymmetric algorithm matching a registered key,
 * `iss` = `sub` = client, `aud` naming this server only, `exp` present, not past and
 * at most `maxLifetime` ahead, and a `jti`. Returns the claims the replay check needs;
 * throws AssertionRefused (or a jose error) otherwise. The replay check is the
 * caller's, after this succeeds, so a forged assertion cannot burn a `jti`.
 */
export async function verifyClientAssertion(
  assertion: string,
  keys: JWTVerifyGetKey,
  rules: AssertionRules,
): Promise<{ jti: string; exp: number }> {
  if (!isCanonicalCompactJws(assertion)) throw new AssertionRefused("not a canonical compact JWS");
  const { payload, protectedHeader } = await jwtVerify(assertion, keys, {
    algorithms: [...ASSERTION_SIGNING_ALGS],
    issuer: rules.clientId,
    subject: rules.clientId,
    requiredClaims: ["exp", "jti"],
    clockTolerance: rules.leeway,
    currentDate: new Date(rules.now * 1000),
  });
  if (!ACCEPTED_TYPES.has(protectedHeader.typ)) throw new AssertionRefused("typ");
  checkAudience(payload.aud, rules.audiences);
  const exp = checkTimes(payload, rules);
  const { jti } = payload;
  if (typeof jti !== "string" || !jti || jti.length > 256) throw new AssertionRefused("jti");
  return { jti, exp };
}
