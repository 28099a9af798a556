import { SUPPORTED_ALGORITHMS } from "@frontdesk/guard";
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from "jose";
import { wellKnownUrls } from "./metadata.js";
import { jsonObject, Prober } from "./probe.js";
import { moment } from "./time.js";

/** Why a token failed verification: stable codes callers (and `--json` readers) branch on. */
export const FAILURE_CODES = [
  "malformed",
  "alg_none",
  "symmetric_alg",
  "alg_not_allowed",
  "keys_unavailable",
  "unknown_kid",
  "bad_signature",
  "expired",
  "not_yet_valid",
  "wrong_audience",
  "wrong_issuer",
  "invalid_claim",
  "invalid",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** What verifying a token against its issuer's keys found, in words and a stable code. */
export interface Verification {
  status: "verified" | "failed";
  code: FailureCode | "verified";
  reason: string;
}

export interface VerifyOptions {
  issuer: string;
  audience?: string;
  /** The issuer's jwks_uri when already known (the audit has its metadata); else from discovery. */
  jwksUri?: string;
  /** Seconds since the epoch (tests pin it). */
  now?: number;
  /** The audit's prober (it counts requests and keeps to the audited server); a new one otherwise. */
  prober?: Prober;
}

const failed = (code: FailureCode, reason: string): Verification => ({ status: "failed", code, reason });

async function getJson(prober: Prober, url: string): Promise<Record<string, unknown>> {
  const answer = await prober.get(url, { accept: "application/json" });
  const json = answer.status === 200 ? jsonObject(answer) : undefined;
  if (!json)
    throw new Error(`${url}: ${answer.status === 200 ? "not a JSON object" : `HTTP ${answer.status}`}`);
  return json;
}

/** jwks_uri from the issuer's metadata (OpenID Connect's, else RFC 8414's), whose issuer must match. */
async function discoverJwksUri(prober: Prober, issuer: string): Promise<string> {
  const { openid, oauth } = wellKnownUrls(issuer);
  const problems: string[] = [];
  for (const url of [openid, oauth]) {
    try {
      const metadata = await getJson(prober, url);
      if (metadata.issuer !== issuer)
        throw new Error(`${url} is the metadata of ${JSON.stringify(metadata.issuer)}, not ${issuer}`);
      if (typeof metadata.jwks_uri !== "string") throw new Error(`${url} names no jwks_uri`);
      return metadata.jwks_uri;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  throw new Error(problems.join("; "));
}

function claimFailure(
  error: errors.JWTClaimValidationFailed,
  options: VerifyOptions,
  now: number,
): Verification {
  const payload = error.payload;
  if (error.claim === "aud")
    return failed(
      "wrong_audience",
      `wrong audience: the token is for ${JSON.stringify(payload.aud)}, not ${options.audience}`,
    );
  if (error.claim === "iss")
    return failed(
      "wrong_issuer",
      `wrong issuer: the token names ${JSON.stringify(payload.iss)}, not ${options.issuer}`,
    );
  if (error.claim === "nbf" && typeof payload.nbf === "number")
    return failed("not_yet_valid", `not valid before ${moment(payload.nbf, now)}`);
  return failed("invalid_claim", `claim ${error.claim}: ${error.reason} (${error.message})`);
}

function kidsOf(jwks: JSONWebKeySet): string {
  const kids = jwks.keys.map((k) => k.kid).filter(Boolean);
  return kids.length > 0 ? kids.join(", ") : "keys without kid";
}

/**
 * Verifies a token's signature with its issuer's published keys and checks `iss`,
 * `exp`/`nbf` and (when given) `aud`, saying exactly why it fails when it does.
 */
export async function verifyWithIssuer(token: string, options: VerifyOptions): Promise<Verification> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
  } catch {
    return failed("malformed", "the header is not base64url JSON");
  }
  const alg = String(header.alg);
  if (alg.toLowerCase() === "none")
    return failed("alg_none", "alg none: the token is not signed; no verifier may accept it");
  if (/^HS\d+$/.test(alg))
    return failed(
      "symmetric_alg",
      `${alg} is checked with a shared secret, which an issuer never publishes: its key set cannot verify this token, and a verifier must not take the algorithm from the token`,
    );
  let jwks: JSONWebKeySet;
  const prober = options.prober ?? new Prober(options.issuer);
  try {
    const jwksUri = options.jwksUri ?? (await discoverJwksUri(prober, options.issuer));
    prober.allow(jwksUri); // named by the issuer's own metadata
    jwks = (await getJson(prober, jwksUri)) as unknown as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error(`${jwksUri} is not a JWK Set`);
  } catch (error) {
    return failed("keys_unavailable", `could not read the issuer's keys: ${(error as Error).message}`);
  }
  try {
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: options.issuer,
      ...(options.audience ? { audience: options.audience } : {}),
      algorithms: [...SUPPORTED_ALGORITHMS], // asymmetric only: never none, never HMAC
      currentDate: new Date(now * 1000),
    });
    const expiry = typeof payload.exp === "number" ? `, expires ${moment(payload.exp, now)}` : ", no exp";
    const audience = options.audience
      ? `audience ${options.audience}`
      : "audience not checked (give --audience)";
    return {
      status: "verified",
      code: "verified",
      reason: `signed by key ${protectedHeader.kid ?? "(no kid)"} (${protectedHeader.alg}) of ${options.issuer}, ${audience}${expiry}`,
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired && typeof error.payload.exp === "number")
      return failed("expired", `expired at ${moment(error.payload.exp, now)}`);
    if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error, options, now);
    if (error instanceof errors.JWKSNoMatchingKey)
      return failed(
        "unknown_kid",
        `unknown kid ${JSON.stringify(header.kid)}: the issuer's key set has no ${alg} key with it (it has ${kidsOf(jwks)})`,
      );
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return failed(
        "bad_signature",
        `bad signature: key ${JSON.stringify(header.kid)} of ${options.issuer} did not sign this token as it is (altered, or signed by another key)`,
      );
    if (error instanceof errors.JOSEAlgNotAllowed)
      return failed("alg_not_allowed", `alg ${alg} is not an asymmetric JWS algorithm`);
    if (error instanceof errors.JOSEError) return failed("invalid", `${error.code}: ${error.message}`);
    throw error;
  }
}
