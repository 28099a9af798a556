// DPoP proofs (RFC 9449) made by the load generator, one per request: autocannon's
// setupRequest is synchronous, so the proof is signed with node:crypto directly
// (the client side of the benchmark, not Frontdesk's code).
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A fresh ES256 key; returns `(method, url, extra) => proof`, a new `jti` and `iat` each call. */
export function dpopSigner() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
  const header = b64({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } });
  return (method, url, extra = {}) => {
    const payload = b64({
      jti: randomUUID(),
      htm: method,
      htu: url,
      iat: Math.floor(Date.now() / 1000),
      ...extra,
    });
    const input = `${header}.${payload}`;
    const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
  };
}
