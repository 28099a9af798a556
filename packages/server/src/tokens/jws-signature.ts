import { constants, sign } from "node:crypto";
import { isCryptoKey, JWS_SCHEMES, type JwsScheme, keyObjectOf } from "@frontdesk/guard";
import { base64url, type CryptoKey, type JWTPayload, SignJWT } from "jose";

/**
 * The one place the server signs access tokens without jose (the token endpoint's hot path:
 * jose's WebCrypto call is an asynchronous round trip per token). `signJwt` writes exactly what
 * jose's `SignJWT` writes for the same header and claims, the signature made by `node:crypto.sign`
 * on the key jose imported, with the guard's table of algorithms. Verification is the guard's
 * `verifyJwt` (the same step, in one place); both are covered by differential tests against jose.
 */

/** A JWS protected header the server signs with: algorithm, type and key id, nothing critical. */
export interface SigningHeader {
  alg: string;
  typ?: string;
  kid?: string;
}

/**
 * What `new SignJWT(claims).setProtectedHeader(header).sign(key)` produces: the header and claims
 * JSON-serialised and base64url-encoded as jose does, signed with node:crypto on the private
 * CryptoKey jose imported. Keys and algorithms this module does not know go to jose.
 */
export async function signJwt(header: SigningHeader, claims: JWTPayload, key: CryptoKey): Promise<string> {
  const scheme = JWS_SCHEMES[header.alg];
  if (!scheme || !isCryptoKey(key) || key.type !== "private" || !fitsKey(key, scheme))
    return new SignJWT(claims).setProtectedHeader({ ...header }).sign(key);
  for (const claim of ["iat", "nbf", "exp"] as const) {
    const value = claims[claim];
    if (typeof value === "number" && !Number.isFinite(value))
      throw new TypeError(`"${claim}" claim must be a finite number`);
  }
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  const data = Buffer.from(input, "utf8");
  const keyObject = keyObjectOf(key);
  let signature: Buffer;
  if (scheme.signatureLength !== undefined)
    signature = sign(scheme.digest, data, { key: keyObject, dsaEncoding: "ieee-p1363" });
  else if (scheme.pssSaltLength !== undefined)
    signature = sign(scheme.digest, data, {
      key: keyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: scheme.pssSaltLength,
    });
  else signature = sign(scheme.digest, data, keyObject);
  return `${input}.${signature.toString("base64url")}`;
}

/** Whether jose would sign with this CryptoKey for the algorithm (else jose decides and explains). */
function fitsKey(key: CryptoKey, scheme: JwsScheme): boolean {
  const algorithm = key.algorithm as {
    name: string;
    namedCurve?: string;
    hash?: { name: string };
    modulusLength?: number;
  };
  return (
    algorithm.name === scheme.key.name &&
    (!scheme.key.hash || algorithm.hash?.name === scheme.key.hash) &&
    (!scheme.key.namedCurve || algorithm.namedCurve === scheme.key.namedCurve) &&
    key.usages.includes("sign") &&
    (!scheme.rsa || (algorithm.modulusLength ?? 0) >= 2048)
  );
}
