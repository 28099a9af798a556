import { GuardError } from "./errors.js";

/**
 * Frontdesk's `acr` values, weakest first; a stronger one satisfies a requirement for a weaker one.
 *
 * @example
 * ```ts
 * app.post("/api/payments", requireAuthentication({ acr: [FRONTDESK_ACR.mfa] }), pay);
 * ```
 */
export const FRONTDESK_ACR = Object.freeze({
  /** One factor: a password, or an upstream provider. */
  sfa: "urn:frontdesk:acr:sfa",
  /** Two factors: a password and a one-time code or passkey, or a passkey with user verification. */
  mfa: "urn:frontdesk:acr:mfa",
  /** Phishing-resistant: a passkey. */
  phr: "urn:frontdesk:acr:phr",
} as const);

const RANKED: readonly string[] = [FRONTDESK_ACR.sfa, FRONTDESK_ACR.mfa, FRONTDESK_ACR.phr];

/**
 * How a person must have signed in for a token to be accepted (RFC 9470). Every member that is set must
 * be met; a requirement without members accepts any token.
 */
export interface AuthenticationRequirement {
  /**
   * Acceptable `acr` values; any one satisfies. Frontdesk's values ({@link FRONTDESK_ACR}) compare by rank
   * (`phr` satisfies `mfa`); other values only match exactly.
   */
  acr?: readonly string[];
  /** Authentication methods (RFC 8176 `amr` values, such as `otp` or `hwk`) that must all be in `amr`. */
  amr?: readonly string[];
  /** Largest age of the sign-in in seconds, from the token's `auth_time`; a token without one fails. */
  maxAge?: number;
}

/** What a token lacks against an {@link AuthenticationRequirement}. */
export interface AuthenticationShortfall {
  /** The token's `acr` meets none of the acceptable values. */
  acr: boolean;
  /** The required methods the token's `amr` does not list. */
  amr: readonly string[];
  /** The token has no `auth_time`, or the sign-in is older than `maxAge`. */
  maxAge: boolean;
}

/** The claims a requirement reads; anything else about the token is not looked at. */
type AuthenticationClaims = { acr?: unknown; amr?: unknown; auth_time?: unknown };

/** Whether the token's `acr` meets one acceptable value: by rank among Frontdesk's values, else exactly. */
function acrMeets(actual: unknown, acceptable: string): boolean {
  if (typeof actual !== "string") return false;
  if (actual === acceptable) return true;
  const rank = RANKED.indexOf(actual);
  const required = RANKED.indexOf(acceptable);
  return rank >= 0 && required >= 0 && rank >= required;
}

/**
 * What `claims` lack against `requirement`, or `undefined` when they meet it. `now` is the current time
 * in seconds since the epoch (default: the system clock), against which `auth_time` is aged.
 *
 * @example
 * ```ts
 * authenticationShortfall({ acr: FRONTDESK_ACR.phr }, { acr: [FRONTDESK_ACR.mfa] }); // undefined: met
 * authenticationShortfall({ amr: ["pwd"], auth_time: 1000 }, { amr: ["otp"], maxAge: 300 }, 2000);
 * // { acr: false, amr: ["otp"], maxAge: true }
 * ```
 */
export function authenticationShortfall(
  claims: AuthenticationClaims,
  requirement: AuthenticationRequirement,
  now: number = Math.floor(Date.now() / 1000),
): AuthenticationShortfall | undefined {
  const acr = requirement.acr !== undefined && !requirement.acr.some((value) => acrMeets(claims.acr, value));
  const methods = Array.isArray(claims.amr) ? claims.amr : [];
  const amr = (requirement.amr ?? []).filter((method) => !methods.includes(method));
  const authTime = claims.auth_time;
  const maxAge =
    requirement.maxAge !== undefined &&
    !(typeof authTime === "number" && Number.isFinite(authTime) && now - authTime <= requirement.maxAge);
  return acr || amr.length > 0 || maxAge ? { acr, amr, maxAge } : undefined;
}

/**
 * Throws an `insufficient_user_authentication` {@link GuardError} (HTTP 401, RFC 9470) unless `claims`
 * meet `requirement`; its challenge carries the requirement's `acr_values` and `max_age`, which the client
 * sends to the authorization endpoint to have the person sign in again.
 *
 * @example
 * ```ts
 * assertAuthentication(claims, { acr: [FRONTDESK_ACR.mfa], maxAge: 300 });
 * ```
 */
export function assertAuthentication(
  claims: AuthenticationClaims,
  requirement: AuthenticationRequirement,
  now?: number,
): void {
  const shortfall = authenticationShortfall(claims, requirement, now);
  if (shortfall === undefined) return;
  throw stepUpRequired(shortfall, requirement);
}

function stepUpRequired(
  shortfall: AuthenticationShortfall,
  requirement: AuthenticationRequirement,
): GuardError {
  const lacks: string[] = [];
  if (shortfall.acr) lacks.push("a stronger sign-in is required");
  if (shortfall.amr.length > 0) lacks.push(`sign-in methods required: ${shortfall.amr.join(" ")}`);
  if (shortfall.maxAge) lacks.push("a more recent sign-in is required");
  return new GuardError("insufficient_user_authentication", {
    reason: shortfall.acr ? "acr_insufficient" : shortfall.amr.length > 0 ? "amr_missing" : "auth_too_old",
    description: lacks.join("; "),
    acrValues: requirement.acr,
    maxAge: requirement.maxAge,
  });
}

/** RFC 6749 NQCHAR: what may stand in a space-separated `acr_values` without quoting problems. */
const NQCHAR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const MEMBERS = new Set(["acr", "amr", "maxAge"]);

function valueList(name: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((v) => typeof v !== "string" || !NQCHAR_VALUE.test(v))
  ) {
    throw new TypeError(
      `${name} must be a non-empty array of values without spaces, quotes, backslashes or control characters`,
    );
  }
  return Object.freeze([...value]);
}

/**
 * Validates an {@link AuthenticationRequirement} once, when a guard or step is made, and freezes a copy:
 * a list that is not a non-empty array of plain values, a `maxAge` that is not a non-negative integer,
 * or an unknown member (a misspelt `max_age` would silently require nothing) is a `TypeError`.
 *
 * @example
 * ```ts
 * const requirement = authenticationRequirement({ acr: [FRONTDESK_ACR.mfa] });
 * ```
 */
export function authenticationRequirement(
  value: AuthenticationRequirement,
  name = "authentication",
): AuthenticationRequirement {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TypeError(`${name} must be an object with acr, amr or maxAge`);
  for (const member of Object.keys(value)) {
    if (!MEMBERS.has(member)) throw new TypeError(`${name} has an unknown member ${JSON.stringify(member)}`);
  }
  const maxAge: unknown = value.maxAge;
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && (maxAge as number) >= 0))
    throw new TypeError(`${name}.maxAge must be a non-negative integer (seconds)`);
  const requirement: AuthenticationRequirement = {};
  const acr = valueList(`${name}.acr`, value.acr);
  const amr = valueList(`${name}.amr`, value.amr);
  if (acr) requirement.acr = acr;
  if (amr) requirement.amr = amr;
  if (maxAge !== undefined) requirement.maxAge = maxAge as number;
  return Object.freeze(requirement);
}
