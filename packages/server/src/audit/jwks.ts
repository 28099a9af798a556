import { type Check, type CheckSpec, fail, pass, skip, skipAll, warn } from "./check.js";
import { type Metadata, stringField } from "./metadata.js";
import { jsonObject, ProbeError, type Prober } from "./probe.js";

const REACHABLE: CheckSpec = {
  id: "jwks.reachable",
  title: "The key set at jwks_uri can be read",
  reference: "RFC 8414 §2; RFC 7517 §5",
};
const PRIVATE_MEMBERS: CheckSpec = {
  id: "jwks.private-members",
  title: "No private or secret key material published",
  reference: "RFC 7518 §6.2.2, §6.3.2, §6.4",
};
const KIDS: CheckSpec = {
  id: "jwks.kid",
  title: "Every key has its own `kid`",
  reference: "RFC 7517 §4.5",
};
const KEY_SIZES: CheckSpec = {
  id: "jwks.key-size",
  title: "Keys are large enough",
  reference: "RFC 7518 §3.3, §3.4",
};
const ALGS: CheckSpec = {
  id: "jwks.alg",
  title: "Every signing key names its one algorithm",
  reference: "RFC 7517 §4.4; RFC 8725 §3.1",
};
const KEY_CHECKS = [PRIVATE_MEMBERS, KIDS, KEY_SIZES, ALGS];
export const JWKS_CHECKS = [REACHABLE, ...KEY_CHECKS];

type Jwk = Record<string, unknown>;

/** Members that only a private or symmetric key has (RFC 7518 §6). */
const PRIVATE = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

function label(key: Jwk, index: number): string {
  return typeof key.kid === "string"
    ? `kid ${JSON.stringify(key.kid)}`
    : `key #${index + 1} (${String(key.kty)})`;
}

function privateMembersCheck(keys: Jwk[]): Check {
  const leaking = keys.flatMap((key, i) => {
    const members = PRIVATE.filter((m) => m in key);
    return members.length > 0 ? [`${label(key, i)} has ${members.join(", ")}`] : [];
  });
  if (leaking.length > 0)
    return fail(PRIVATE_MEMBERS, `${leaking.join("; ")}: anyone can sign as this server`);
  return pass(PRIVATE_MEMBERS, `${keys.length} public key(s), no private members`);
}

function kidCheck(keys: Jwk[]): Check {
  const kids = keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === "string");
  const without = keys.length - kids.length;
  const duplicated = [...new Set(kids.filter((kid, i) => kids.indexOf(kid) !== i))];
  if (duplicated.length > 0)
    return warn(
      KIDS,
      `kid used by more than one key: ${duplicated.join(", ")} (verifiers may pick the wrong key)`,
    );
  if (without > 0 && keys.length > 1)
    return warn(
      KIDS,
      `${without} of ${keys.length} keys have no kid: verifiers cannot tell which key signed a token`,
    );
  return pass(KIDS, `${kids.length} distinct kid(s)`);
}

/** Bits of an RSA modulus (base64url, big-endian, no leading zero octets in a proper JWK). */
function rsaBits(n: string): number {
  const bytes = Buffer.from(n, "base64url");
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  const top = bytes[first] ?? 0;
  return (bytes.length - first - 1) * 8 + (top === 0 ? 0 : Math.floor(Math.log2(top)) + 1);
}

const GOOD_CURVES = new Set(["P-256", "P-384", "P-521", "Ed25519", "Ed448", "X25519", "X448"]);

function keySizeCheck(keys: Jwk[]): Check {
  const problems: string[] = [];
  const sizes: string[] = [];
  keys.forEach((key, i) => {
    if (key.kty === "RSA" && typeof key.n === "string") {
      const bits = rsaBits(key.n);
      sizes.push(`RSA ${bits}`);
      if (bits < 2048) problems.push(`${label(key, i)}: RSA ${bits} bits (at least 2048 required)`);
    } else if ((key.kty === "EC" || key.kty === "OKP") && typeof key.crv === "string") {
      sizes.push(key.crv);
      if (!GOOD_CURVES.has(key.crv)) problems.push(`${label(key, i)}: curve ${key.crv} is not a JOSE curve`);
    } else if (key.kty === "oct") {
      problems.push(`${label(key, i)}: a symmetric key in a public key set`);
    } else {
      problems.push(`${label(key, i)}: key type ${String(key.kty)} not understood`);
    }
  });
  if (problems.length > 0) return fail(KEY_SIZES, problems.join("; "));
  return pass(KEY_SIZES, sizes.join(", "));
}

/** The key types each JWS algorithm family needs. */
function algFits(alg: string, key: Jwk): boolean {
  if (/^(RS|PS)\d+$/.test(alg)) return key.kty === "RSA";
  if (alg === "ES256") return key.kty === "EC" && key.crv === "P-256";
  if (alg === "ES384") return key.kty === "EC" && key.crv === "P-384";
  if (alg === "ES512") return key.kty === "EC" && key.crv === "P-521";
  if (alg === "EdDSA" || alg === "Ed25519") return key.kty === "OKP";
  return true;
}

function algCheck(keys: Jwk[]): Check {
  const signing = keys.filter((k) => k.use !== "enc");
  const without = signing.filter((k) => typeof k.alg !== "string");
  const mismatched = signing.filter((k) => typeof k.alg === "string" && !algFits(k.alg, k));
  if (mismatched.length > 0)
    return fail(
      ALGS,
      mismatched
        .map((k) => `${label(k, keys.indexOf(k))}: alg ${String(k.alg)} does not fit a ${String(k.kty)} key`)
        .join("; "),
    );
  if (without.length > 0)
    return warn(
      ALGS,
      `${without.length} of ${signing.length} signing keys have no alg: each key should be bound to one algorithm, so a verifier never takes it from the token`,
    );
  if (signing.length === 0) return skip(ALGS, "no signing keys in the set");
  return pass(ALGS, signing.map((k, i) => `${label(k, i)}: ${String(k.alg)}`).join(", "));
}

/** Reads the server's public key set and checks each key. */
export async function auditJwks(prober: Prober, metadata: Metadata | undefined): Promise<Check[]> {
  const jwksUri = metadata && stringField(metadata, "jwks_uri");
  if (!jwksUri)
    return skipAll([REACHABLE, ...KEY_CHECKS], metadata ? "the metadata has no jwks_uri" : "no metadata");
  let keys: Jwk[];
  try {
    const answer = await prober.get(jwksUri, { accept: "application/json" });
    const set = answer.status === 200 ? jsonObject(answer) : undefined;
    if (!set || !Array.isArray(set.keys)) {
      const problem = answer.status === 200 ? 'not a JWK Set ({"keys":[…]})' : `HTTP ${answer.status}`;
      return [fail(REACHABLE, `${jwksUri}: ${problem}`), ...skipAll(KEY_CHECKS, "no key set to read")];
    }
    keys = set.keys.filter((k): k is Jwk => k !== null && typeof k === "object");
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return [fail(REACHABLE, error.message), ...skipAll(KEY_CHECKS, "no key set to read")];
  }
  if (keys.length === 0)
    return [fail(REACHABLE, `${jwksUri} holds no keys`), ...skipAll(KEY_CHECKS, "no keys")];
  return [
    pass(REACHABLE, `${jwksUri}: ${keys.length} key(s)`),
    privateMembersCheck(keys),
    kidCheck(keys),
    keySizeCheck(keys),
    algCheck(keys),
  ];
}
