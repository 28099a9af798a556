import { constants, KeyObject, sign, verify } from "node:crypto";
import {
  base64url,
  type CryptoKey,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
  type ProtectedHeaderParameters,
  SignJWT,
  UnsecuredJWT,
} from "jose";

/**
 * The one place the server signs and checks access-token signatures without jose (the token
 * endpoint's and introspection's hot path: jose's WebCrypto calls are an asynchronous round trip
 * per token). `signJwt` writes exactly what jose's `SignJWT` writes for the same header and claims,
 * the signature made by `node:crypto.sign` on the key jose imported; `verifyJwt` is jose's
 * `jwtVerify` with the signature checked by `node:crypto.verify`. Key import and export, JWKS,
 * header parsing, key selection and every claim check stay jose's; anything unusual (no algorithm
 * list, `crit`, `b64`, an algorithm or key this module does not know) goes to jose whole. The guard
 * has the same verification in its own `jws-signature.ts`; both are covered by differential tests.
 */

/** What jose requires of the CryptoKey for an algorithm, and how node:crypto checks its signature. */
interface Scheme {
  key: { name: string; namedCurve?: string; hash?: string };
  /** node:crypto digest (null: the algorithm hashes itself, Ed25519). */
  digest: string | null;
  /** ECDSA: the IEEE P1363 length (r || s); WebCrypto refuses any other. */
  signatureLength?: number;
  pssSaltLength?: number;
  rsa?: boolean;
}

const ecdsa = (namedCurve: string, digest: string, signatureLength: number): Scheme => ({
  key: { name: "ECDSA", namedCurve },
  digest,
  signatureLength,
});
const pkcs1 = (bits: number): Scheme => ({
  key: { name: "RSASSA-PKCS1-v1_5", hash: `SHA-${bits}` },
  digest: `sha${bits}`,
  rsa: true,
});
const pss = (bits: number): Scheme => ({
  key: { name: "RSA-PSS", hash: `SHA-${bits}` },
  digest: `sha${bits}`,
  pssSaltLength: bits / 8,
  rsa: true,
});
const ed25519: Scheme = { key: { name: "Ed25519" }, digest: null };

const SCHEMES: Readonly<Record<string, Scheme>> = {
  ES256: ecdsa("P-256", "sha256", 64),
  ES384: ecdsa("P-384", "sha384", 96),
  ES512: ecdsa("P-521", "sha512", 132),
  EdDSA: ed25519,
  Ed25519: ed25519,
  RS256: pkcs1(256),
  RS384: pkcs1(384),
  RS512: pkcs1(512),
  PS256: pss(256),
  PS384: pss(384),
  PS512: pss(512),
};

const ASCII = /^[\x21-\x7e]*$/;
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

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
  const scheme = SCHEMES[header.alg];
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
function fitsKey(key: CryptoKey, scheme: Scheme): boolean {
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

/** jose's `jwtVerify(token, getKey, options)`, the signature checked with node:crypto. */
export async function verifyJwt(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<{ payload: JWTPayload; protectedHeader: ProtectedHeaderParameters }> {
  const parts = token.split(".");
  const header = parts.length === 3 ? headerOf(token) : undefined;
  const scheme = header && typeof header.alg === "string" ? SCHEMES[header.alg] : undefined;
  if (
    !header ||
    !scheme ||
    options.algorithms === undefined ||
    !options.algorithms.includes(header.alg as string) ||
    header.crit !== undefined ||
    header.b64 !== undefined ||
    !ASCII.test(token)
  )
    return jwtVerify(token, getKey, options);
  const [h, p, s] = parts as [string, string, string];
  const alg = header.alg as string;
  const key = await getKey({ ...header, alg }, { protected: h, payload: p, signature: s });
  if (!isCryptoKey(key)) return jwtVerify(token, async () => key, options);
  let signature: Uint8Array;
  try {
    signature = base64url.decode(s);
  } catch (cause) {
    throw new errors.JWSInvalid("Failed to base64url decode the signature", { cause });
  }
  checkKey(key, scheme, alg);
  if (!signatureValid(scheme, keyObjectOf(key), Buffer.from(`${h}.${p}`, "ascii"), signature))
    throw new errors.JWSSignatureVerificationFailed();
  // The claims, by jose: the same checks jwtVerify runs, on the same payload and `typ`.
  const { payload } = UnsecuredJWT.decode(`${unsecuredHeader(header.typ)}.${p}.`, options);
  return { payload, protectedHeader: header };
}

function headerOf(token: string): ProtectedHeaderParameters | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return (key as { [Symbol.toStringTag]?: string } | null)?.[Symbol.toStringTag] === "CryptoKey";
}

/** jose's checks of a CryptoKey before it verifies (its messages, its error type). */
function checkKey(key: CryptoKey, scheme: Scheme, alg: string): void {
  if (key.type !== "public")
    throw new TypeError(`CryptoKey instances must be of type "public" for the ${alg} algorithm`);
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const unusable = (prop: string, value: string) =>
    new TypeError(`CryptoKey does not support this operation, its ${prop} must be ${value}`);
  if (algorithm.name !== scheme.key.name) throw unusable("algorithm.name", scheme.key.name);
  if (scheme.key.hash && algorithm.hash?.name !== scheme.key.hash)
    throw unusable("algorithm.hash", scheme.key.hash);
  if (scheme.key.namedCurve && algorithm.namedCurve !== scheme.key.namedCurve)
    throw unusable("algorithm.namedCurve", scheme.key.namedCurve);
  if (!key.usages.includes("verify"))
    throw new TypeError("CryptoKey does not support this operation, its usages must include verify.");
  const { modulusLength } = key.algorithm as { modulusLength?: number };
  if (scheme.rsa && (typeof modulusLength !== "number" || modulusLength < 2048))
    throw new TypeError(`${alg} requires key modulusLength to be 2048 bits or larger`);
}

function keyObjectOf(key: CryptoKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

function signatureValid(scheme: Scheme, key: KeyObject, input: Buffer, signature: Uint8Array): boolean {
  if (scheme.signatureLength !== undefined && signature.length !== scheme.signatureLength) return false;
  try {
    if (scheme.signatureLength !== undefined)
      return verify(scheme.digest, input, { key, dsaEncoding: "ieee-p1363" }, signature);
    if (scheme.pssSaltLength !== undefined)
      return verify(
        scheme.digest,
        input,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pssSaltLength },
        signature,
      );
    return verify(scheme.digest, input, key, signature);
  } catch {
    return false;
  }
}

const unsecuredHeaders = new Map<unknown, string>();

/** `{"alg":"none","typ":...}` encoded: jose's claim checks look at the header's `typ` only. */
function unsecuredHeader(typ: unknown): string {
  let encoded = unsecuredHeaders.get(typ);
  if (encoded === undefined) {
    encoded = base64url.encode(JSON.stringify({ alg: "none", typ }));
    if (typeof typ === "string" && typ.length <= 64) {
      if (unsecuredHeaders.size >= 16) unsecuredHeaders.clear();
      unsecuredHeaders.set(typ, encoded);
    }
  }
  return encoded;
}
