import { decodeJwt, decodeProtectedHeader } from "jose";
import { type Check, type CheckSpec, fail, pass, skip, warn } from "./check.js";
import { duration } from "./time.js";

const ALG: CheckSpec = {
  id: "token.alg",
  title: "Signed with an asymmetric algorithm",
  reference: "RFC 9068 §2.1; RFC 8725 §3.2",
};
const TYP: CheckSpec = {
  id: "token.typ",
  title: "Explicitly typed `at+jwt`",
  reference: "RFC 9068 §2.1; RFC 8725 §3.11",
};
const LIFETIME: CheckSpec = {
  id: "token.lifetime",
  title: "Short-lived: 15 minutes or less",
  reference: "RFC 6819 §5.1.5.3; RFC 9068 §2.2",
};
const AUDIENCE: CheckSpec = {
  id: "token.audience",
  title: "Restricted to an audience (`aud`)",
  reference: "RFC 9700 §2.3; RFC 9068 §2.2; RFC 8725 §3.9",
};
const ISSUER: CheckSpec = {
  id: "token.issuer",
  title: "Names its issuer (`iss`)",
  reference: "RFC 9068 §2.2; RFC 8725 §3.8",
};
const JTI: CheckSpec = {
  id: "token.jti",
  title: "Has a token id (`jti`)",
  reference: "RFC 9068 §2.2",
};
const PERSONAL_DATA: CheckSpec = {
  id: "token.personal-data",
  title: "No personal data in the token",
  reference: "RFC 9068 §6",
};
const SIZE: CheckSpec = {
  id: "token.size",
  title: "Small enough to travel in a header",
  reference: "RFC 9110 §5.4; RFC 6265 §6.1",
};
export const TOKEN_LINT_CHECKS = [ALG, TYP, LIFETIME, AUDIENCE, ISSUER, JTI, PERSONAL_DATA, SIZE];

const FIFTEEN_MINUTES = 15 * 60;
const ONE_HOUR = 60 * 60;

/** Claims that identify or describe a person (OpenID Connect Core §5.1 and common variants). */
const PERSONAL_CLAIMS = new Set([
  "name",
  "given_name",
  "family_name",
  "middle_name",
  "nickname",
  "first_name",
  "last_name",
  "full_name",
  "email",
  "phone",
  "phone_number",
  "mobile",
  "address",
  "street_address",
  "postal_code",
  "birthdate",
  "date_of_birth",
  "dob",
  "gender",
  "picture",
  "ssn",
]);

export type TokenKind = "access_token" | "id_token";

/** A compact JWS read without any check of its signature. */
export interface DecodedToken {
  token: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  kind: TokenKind;
}

/** Why a string is not a JWT that can be read. */
export class TokenFormatError extends Error {}

/** An ID token (OpenID Connect Core §2) when it carries what only ID tokens carry. */
function kindOf(header: Record<string, unknown>, payload: Record<string, unknown>): TokenKind {
  const typ = typeof header.typ === "string" ? header.typ.toLowerCase() : "";
  if (typ === "at+jwt" || typ === "application/at+jwt") return "access_token";
  return "nonce" in payload || "at_hash" in payload || "c_hash" in payload ? "id_token" : "access_token";
}

/** Decodes header and payload; nothing about it is trusted yet. */
export function decodeToken(input: string): DecodedToken {
  const token = input.trim();
  const parts = token.split(".");
  if (parts.length === 5)
    throw new TokenFormatError(
      "an encrypted token (JWE, five parts): it cannot be read without the recipient's key",
    );
  if (parts.length !== 3)
    throw new TokenFormatError(`not a JWT: ${parts.length} part(s), a signed JWT has 3`);
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    payload = decodeJwt(token) as Record<string, unknown>;
  } catch (error) {
    throw new TokenFormatError(`not a JWT: ${(error as Error).message}`);
  }
  return { token, header, payload, kind: kindOf(header, payload) };
}

export interface LintOptions {
  /** The issuer the token should name, when known. */
  issuer?: string;
  /** The audience the token should be for, when known. */
  audience?: string;
  /** `expires_in` of the token response that carried it, when there was one. */
  expiresIn?: number;
}

function algCheck(header: Record<string, unknown>): Check {
  const alg = String(header.alg);
  if (alg.toLowerCase() === "none")
    return fail(ALG, "alg none: the token is not signed, anyone can write one");
  if (/^HS\d+$/.test(alg))
    return warn(
      ALG,
      `${alg} is a shared secret: every service that can verify these tokens can also mint them, and the secret must be copied to each`,
    );
  return pass(ALG, alg);
}

function typCheck(token: DecodedToken): Check {
  if (token.kind === "id_token") return skip(TYP, "an ID token: at+jwt is for access tokens");
  const typ = token.header.typ;
  if (typeof typ === "string" && ["at+jwt", "application/at+jwt"].includes(typ.toLowerCase()))
    return pass(TYP, `typ ${typ}`);
  return warn(
    TYP,
    `${typ === undefined ? "no typ" : `typ ${String(typ)}`}: a verifier cannot tell this access token from an ID token or any other JWT signed with the same keys`,
  );
}

function lifetimeCheck(token: DecodedToken, options: LintOptions): Check {
  const { exp, iat } = token.payload;
  if (typeof exp !== "number")
    return fail(LIFETIME, "no exp: the token never expires, so a leaked copy works forever");
  const lifetime = typeof iat === "number" ? exp - iat : options.expiresIn;
  if (lifetime === undefined)
    return skip(LIFETIME, "exp without iat, and no expires_in: the lifetime is unknown");
  const said = `lives ${duration(lifetime)}${typeof iat === "number" ? " (exp - iat)" : " (expires_in)"}`;
  if (token.kind === "id_token")
    return lifetime > ONE_HOUR * 24
      ? warn(LIFETIME, `${said}: an ID token is read once at sign-in`)
      : pass(LIFETIME, said);
  if (lifetime > ONE_HOUR) return fail(LIFETIME, `${said}: a leaked token stays useful that long`);
  if (lifetime > FIFTEEN_MINUTES) return warn(LIFETIME, `${said}: more than 15 minutes`);
  return pass(LIFETIME, said);
}

function audienceCheck(payload: Record<string, unknown>, audience: string | undefined): Check {
  const aud = payload.aud;
  const list = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.map(String) : [];
  if (list.length === 0)
    return fail(AUDIENCE, "no aud: every service that trusts the issuer accepts this token");
  if (audience === undefined)
    return pass(AUDIENCE, `aud ${list.join(", ")} (not compared: no audience given)`);
  return list.includes(audience)
    ? pass(AUDIENCE, `aud ${list.join(", ")} includes ${audience}`)
    : fail(AUDIENCE, `wrong audience: the token is for ${list.join(", ")}, not ${audience}`);
}

function issuerCheck(payload: Record<string, unknown>, issuer: string | undefined): Check {
  const iss = payload.iss;
  if (typeof iss !== "string") return fail(ISSUER, "no iss: a verifier cannot tell who issued it");
  if (issuer === undefined) return pass(ISSUER, `iss ${iss} (not compared: no issuer given)`);
  return iss === issuer ? pass(ISSUER, `iss ${iss}`) : fail(ISSUER, `wrong issuer: ${iss}, not ${issuer}`);
}

function personalDataCheck(token: DecodedToken): Check {
  if (token.kind === "id_token") return skip(PERSONAL_DATA, "an ID token carries identity claims by design");
  const found = Object.keys(token.payload).filter((claim) => PERSONAL_CLAIMS.has(claim.toLowerCase()));
  if (found.length === 0) return pass(PERSONAL_DATA, `claims: ${Object.keys(token.payload).join(", ")}`);
  return warn(
    PERSONAL_DATA,
    `${found.join(", ")}: anyone holding the token can read them (it is only base64url), and every service and log it passes through gets a copy`,
  );
}

function jtiCheck(token: DecodedToken): Check {
  if (typeof token.payload.jti === "string") return pass(JTI, `jti ${token.payload.jti}`);
  if (token.kind === "id_token") return skip(JTI, "an ID token need not have one");
  return warn(JTI, "no jti: one token cannot be revoked or recognised on replay");
}

function sizeCheck(token: string): Check {
  const bytes = Buffer.byteLength(token);
  if (bytes > 8192) return fail(SIZE, `${bytes} bytes: many proxies and servers refuse headers over 8 KB`);
  if (bytes > 4096) return warn(SIZE, `${bytes} bytes: over 4 KB, the size a cookie is guaranteed`);
  return pass(SIZE, `${bytes} bytes`);
}

/** The checklist for a token: algorithm, type, lifetime, audience, issuer, id, lean claims, size. */
export function lintToken(token: DecodedToken, options: LintOptions = {}): Check[] {
  return [
    algCheck(token.header),
    typCheck(token),
    lifetimeCheck(token, options),
    audienceCheck(token.payload, options.audience),
    issuerCheck(token.payload, options.issuer),
    jtiCheck(token),
    personalDataCheck(token),
    sizeCheck(token.token),
  ];
}
