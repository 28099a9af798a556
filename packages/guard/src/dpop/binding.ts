import type { AccessTokenClaims } from "../claims.js";
import type { DpopConfig, VerifierConfig } from "../config.js";
import { GuardError, invalidToken } from "../errors.js";
import { DpopProofError, type VerifiedDpopProof, verifyDpopProof } from "./proof.js";

/** A request that presented its token with `Authorization: DPoP`: the proof and what it must match. */
export interface DpopRequest {
  /** The `DPoP` header: its value, or the values when it was sent more than once (then refused). */
  proof: string | readonly string[] | undefined;
  /** The request's method (`htm`). */
  method: string;
  /**
   * The request target as received (`req.url`): path and optional query. `htu` must be `publicUrl` + this
   * path; of an absolute URL only the path is used, never its host.
   */
  path: string;
}

/** The description of every refusal due to DPoP being off (a verifier without publicUrl). */
export const NOT_CONFIGURED = "DPoP is not accepted here: the verifier has no publicUrl configured";

/**
 * The refusal of a token presented as Bearer where DPoP is required (`requireDpop`); when the verifier
 * does not accept DPoP at all, the refusal says so.
 *
 * @example
 * ```ts
 * throw dpopRequired(verifier.config.dpop !== undefined);
 * ```
 */
export function dpopRequired(accepted: boolean): GuardError {
  if (!accepted) return invalidToken("dpop_not_configured", NOT_CONFIGURED);
  return invalidToken("dpop_required", "this resource requires a DPoP-bound token, presented with DPoP");
}

/**
 * The DPoP checks of a token presented with the DPoP scheme (RFC 9449 section 7.1), after the token itself
 * verified: it is bound (`cnf.jkt`), its proof verifies for this request (section 4.3, `htu` = `publicUrl`
 * + path, `ath` = the token's hash), and the proof's key is the bound one. Records nothing: the caller
 * records the returned proof with {@link recordDpopProof} once every other check passed.
 *
 * @example
 * ```ts
 * const proof = await checkDpopBinding(token, claims, { proof: req.headers.dpop, method: "GET", path: "/orders" }, config);
 * ```
 */
export async function checkDpopBinding(
  token: string,
  claims: AccessTokenClaims,
  request: DpopRequest,
  config: VerifierConfig,
): Promise<VerifiedDpopProof> {
  const { dpop, publicUrl } = config;
  if (dpop === undefined || publicUrl === undefined)
    throw invalidToken("dpop_not_configured", NOT_CONFIGURED);
  const jkt = boundKey(claims);
  if (jkt === undefined)
    throw invalidToken("dpop_not_bound", "the DPoP scheme was used with a token that is not DPoP-bound");
  const proof = singleProof(request.proof);
  let verified: VerifiedDpopProof;
  try {
    verified = await verifyDpopProof(proof, {
      method: request.method,
      url: `${publicUrl}${requestPath(request.path)}`,
      accessToken: token,
      algorithms: dpop.algorithms,
      maxAgeSeconds: dpop.maxAgeSeconds,
      clockToleranceSeconds: config.clockTolerance,
    });
  } catch (err) {
    if (!(err instanceof DpopProofError)) throw err;
    throw new GuardError("invalid_dpop_proof", {
      reason: `dpop_${err.reason}`,
      description: err.message,
      cause: err,
    });
  }
  if (verified.jkt !== jkt)
    throw invalidToken("dpop_key_mismatch", "DPoP proof key does not match the token's binding (cnf.jkt)");
  return verified;
}

/**
 * Records an accepted proof in the replay cache until its `iat` window is over (`maxAgeSeconds` after its
 * `iat`, plus the clock tolerance). A proof seen before is refused (`dpop_proof_replayed`); a cache that
 * cannot answer refuses it too (503, fail closed).
 *
 * @example
 * ```ts
 * await recordDpopProof(proof, config.dpop, config.clockTolerance);
 * ```
 */
export async function recordDpopProof(
  proof: VerifiedDpopProof,
  dpop: DpopConfig,
  clockTolerance: number,
): Promise<void> {
  const ttl = (proof.iat + dpop.maxAgeSeconds + clockTolerance) * 1000 - Date.now();
  let fresh: boolean;
  try {
    fresh = await dpop.replayCache.markUsed(proof.jkt, proof.jti, Math.max(1000, ttl));
  } catch (cause) {
    throw new GuardError("temporarily_unavailable", {
      reason: "dpop_replay_unavailable",
      description: "the DPoP proof cannot be checked for replay right now",
      cause,
    });
  }
  if (!fresh)
    throw new GuardError("invalid_dpop_proof", {
      reason: "dpop_proof_replayed",
      description: "DPoP proof replayed",
    });
}

/**
 * The `cnf.jkt` a token is bound to (RFC 9449 section 6.1), if any.
 *
 * @example
 * ```ts
 * boundKey({ cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } } as AccessTokenClaims); // "0ZcO..."
 * ```
 */
export function boundKey(claims: AccessTokenClaims): string | undefined {
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  return typeof cnf?.jkt === "string" && cnf.jkt.length > 0 ? cnf.jkt : undefined;
}

/** RFC 9449 section 4.3 check 1: exactly one `DPoP` header (a compact JWS never contains a comma). */
function singleProof(proof: string | readonly string[] | undefined): string | undefined {
  const values = typeof proof === "string" ? [proof] : (proof ?? []);
  if (values.length > 1 || values[0]?.includes(","))
    throw new GuardError("invalid_dpop_proof", {
      reason: "dpop_proof_multiple",
      description: "more than one DPoP header",
    });
  return values[0];
}

/** The path (and query) of a request target: origin-form as is, an absolute URL's path only. */
function requestPath(target: string): string {
  if (target.startsWith("/")) return target;
  if (!URL.canParse(target)) return `/${target}`;
  const url = new URL(target);
  return `${url.pathname}${url.search}`;
}
