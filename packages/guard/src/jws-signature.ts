import { constants, KeyObject, verify } from "node:crypto";
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
  UnsecuredJWT,
} from "jose";

/**
 * The one place the guard checks a signature without jose: `jwtVerify` as jose runs it, with the
 * signature itself checked by `node:crypto.verify` on the key jose imported (jose's WebCrypto call
 * is an asynchronous round trip per token; this is the verifier's cold path). Header parsing, key
 * selection (the caller's jose key getter), the key's fitness for the algorithm and every claim
 * check stay jose's; anything unusual (no algorithm list, `crit`, `b64`, an algorithm or key this
 * module does not know) goes to jose's `jwtVerify` whole. Covered by a differential test against jose.
 */

/** What jose requires of the CryptoKey for an algorithm, and how node:crypto checks its signature. */
export interface JwsScheme {
  key: { name: string; namedCurve?: string; hash?: string };
  /** node:crypto digest (null: the algorithm hashes itself, Ed25519). */
  digest: string | null;
  /** ECDSA: the IEEE P1363 length (r || s); WebCrypto refuses any other. */
  signatureLength?: number;
  pssSaltLength?: number;
  rsa?: boolean;
}

const ecdsa = (namedCurve: string, digest: string, signatureLength: number): JwsScheme => ({
  key: { name: "ECDSA", namedCurve },
  digest,
  signatureLength,
});
const pkcs1 = (bits: number): JwsScheme => ({
  key: { name: "RSASSA-PKCS1-v1_5", hash: `SHA-${bits}` },
  digest: `sha${bits}`,
  rsa: true,
});
const pss = (bits: number): JwsScheme => ({
  key: { name: "RSA-PSS", hash: `SHA-${bits}` },
  digest: `sha${bits}`,
  pssSaltLength: bits / 8,
  rsa: true,
});
const ed25519: JwsScheme = { key: { name: "Ed25519" }, digest: null };

/**
 * The JWS algorithms the node:crypto signature step knows, and how it runs each (shared with the
 * server's signer, which signs with the same table).
 */
export const JWS_SCHEMES: Readonly<Record<string, JwsScheme>> = {
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

/** jose's `jwtVerify(token, getKey, options)`, the signature checked with node:crypto. */
export async function verifyJwt(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<{ payload: JWTPayload; protectedHeader: ProtectedHeaderParameters }> {
  const parts = token.split(".");
  const header = parts.length === 3 ? headerOf(token) : undefined;
  const scheme = header && typeof header.alg === "string" ? JWS_SCHEMES[header.alg] : undefined;
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

/** Whether `key` is a WebCrypto key (what jose imports keys as in Node). */
export function isCryptoKey(key: unknown): key is CryptoKey {
  return (key as { [Symbol.toStringTag]?: string } | null)?.[Symbol.toStringTag] === "CryptoKey";
}

/** jose's checks of a CryptoKey before it verifies (its messages, its error type). */
function checkKey(key: CryptoKey, scheme: JwsScheme, alg: string): void {
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

/** The node:crypto KeyObject of a CryptoKey jose imported, made once per key. */
export function keyObjectOf(key: CryptoKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

function signatureValid(scheme: JwsScheme, key: KeyObject, input: Buffer, signature: Uint8Array): boolean {
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
