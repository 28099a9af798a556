/**
 * How strongly a person signed in, as OIDC `acr` values and RFC 8176 `amr` methods.
 * Three levels, weakest first; a stronger one satisfies a request for a weaker one.
 */
export const ACR = {
  /** One factor: a password, or an upstream provider. */
  sfa: "urn:frontdesk:acr:sfa",
  /** Two factors: a password and a one-time code or passkey, or a passkey with user verification. */
  mfa: "urn:frontdesk:acr:mfa",
  /** Phishing-resistant: a passkey (bound to this server's origin by the browser). */
  phr: "urn:frontdesk:acr:phr",
} as const;

export type AcrValue = (typeof ACR)[keyof typeof ACR];

/** Weakest first: the index is the level. */
export const ACR_LEVELS: readonly AcrValue[] = [ACR.sfa, ACR.mfa, ACR.phr];

const rank = (value: string): number => ACR_LEVELS.indexOf(value as AcrValue);

/** Methods that are a possession or inherence factor besides a password (RFC 8176). */
const SECOND_FACTOR_METHODS = new Set(["otp", "hwk", "swk", "sms", "sc"]);
/** Methods whose proof is bound to this origin (WebAuthn). */
const PHISHING_RESISTANT_METHODS = new Set(["hwk", "swk"]);

/** The level a sign-in's methods reach. */
export function acrOf(amr: readonly string[]): AcrValue {
  const passkey = amr.some((m) => PHISHING_RESISTANT_METHODS.has(m));
  if (passkey && amr.includes("mfa")) return ACR.phr;
  if (amr.includes("mfa")) return ACR.mfa;
  const factors = amr.filter((m) => SECOND_FACTOR_METHODS.has(m)).length;
  const first = amr.some((m) => m === "pwd" || m === "fed");
  return first && factors > 0 ? ACR.mfa : ACR.sfa;
}

/**
 * Methods after a second factor: the union, with `mfa` once two kinds of factor are
 * there (RFC 8176: "multiple-factor authentication").
 */
export function withFactor(amr: readonly string[], added: readonly string[]): string[] {
  const all = [...new Set([...amr, ...added])].filter((m) => m !== "mfa");
  const second = all.some((m) => SECOND_FACTOR_METHODS.has(m));
  const first = all.some((m) => m === "pwd" || m === "fed");
  return second && (first || added.includes("mfa") || amr.includes("mfa")) ? [...all, "mfa"] : all;
}

/** Whether a level satisfies a required one. */
export function satisfies(level: string, required: AcrValue | undefined): boolean {
  return required === undefined || rank(level) >= rank(required);
}

/**
 * The weakest level that meets a request's `acr_values`: any one of the values it
 * lists is acceptable, so the weakest Frontdesk value among them; values this server
 * does not know are ignored (OIDC Core 3.1.2.1: acr_values are preferences).
 */
export function requiredOf(values: readonly string[] | undefined): AcrValue | undefined {
  const known = (values ?? []).filter((v) => rank(v) >= 0).sort((a, b) => rank(a) - rank(b));
  return known[0] as AcrValue | undefined;
}

/** The stronger of two requirements. */
export function stronger(a: AcrValue | undefined, b: AcrValue | undefined): AcrValue | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return rank(a) >= rank(b) ? a : b;
}

/**
 * The `acr` claim for a sign-in: the first requested value it satisfies (OIDC Core 2:
 * "SHOULD be one of the values requested"), else its own level.
 */
export function claimedAcr(level: string, requested: readonly string[] | undefined): string {
  const met = (requested ?? []).find((v) => rank(v) >= 0 && satisfies(level, v as AcrValue));
  return met ?? level;
}
