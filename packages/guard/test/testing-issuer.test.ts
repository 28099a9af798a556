import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDpopKey } from "../src/dpop/index.js";
import {
  authenticationShortfall,
  createVerifier,
  FRONTDESK_ACR,
  GuardError,
  type GuardErrorReason,
  type Verifier,
} from "../src/index.js";
import { createTestIssuer, type TestIssuer, type TokenFlaw } from "../src/testing/index.js";

const PUBLIC_URL = "https://photos.example.com";
let issuer: TestIssuer;
let verifier: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer();
  // Configured as a service behind Frontdesk would be: the issuer URL and the audience, keys discovered.
  verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, publicUrl: PUBLIC_URL });
});
afterAll(async () => {
  await verifier.close();
  await issuer.close();
});

async function refusal(token: string, v: Verifier = verifier): Promise<GuardError> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "token was accepted").toBeInstanceOf(GuardError);
  return err as GuardError;
}

describe("createTestIssuer", () => {
  it("serves both discovery documents and a JWKS of public keys only, on 127.0.0.1", async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      const res = await fetch(`${issuer.issuer}${path}`);
      expect([path, res.status, await res.json()]).toEqual([
        path,
        200,
        { issuer: issuer.issuer, jwks_uri: `${issuer.issuer}/jwks` },
      ]);
    }
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks).toEqual(issuer.jwks);
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0] ?? {}).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect((await fetch(`${issuer.issuer}/token`)).status).toBe(404);
  });

  it("mints tokens shaped like Frontdesk's that the guard verifies through discovery", async () => {
    const token = await issuer.token({ scope: "photos:read" });
    const claims = await verifier.verify(token, { scopes: ["photos:read"] });
    expect(Object.keys(claims).sort()).toEqual([
      "aud",
      "client_id",
      "exp",
      "iat",
      "iss",
      "jti",
      "scope",
      "sub",
    ]);
    expect(claims).toMatchObject({
      iss: issuer.issuer,
      aud: `${issuer.issuer}/api`,
      sub: "test-user",
      client_id: "test-client",
      scope: "photos:read",
    });
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "ES256",
      typ: "at+jwt",
      kid: issuer.jwks.keys[0]?.kid,
    });
    expect(decodeJwt(await issuer.token()).jti).not.toBe(claims.jti);
  });

  it("overrides any claim and header member; undefined leaves one out", async () => {
    const token = await issuer.token(
      { sub: "alice", scope: undefined, tenant: "acme", roles: ["admin"], aud: ["a", issuer.audience] },
      { header: { kid: issuer.jwks.keys[0]?.kid, typ: "application/at+jwt" } },
    );
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ sub: "alice", tenant: "acme", roles: ["admin"] });
    expect(claims).not.toHaveProperty("scope");
    expect(decodeProtectedHeader(token).typ).toBe("application/at+jwt");
    expect((await refusal(await issuer.token({ exp: undefined }))).reason).toBe("claim_invalid");
  });

  it("mints a person's sign-in (acr, amr, auth_time) for step-up rules, and none unless asked", async () => {
    const authTime = Math.floor(Date.now() / 1000) - 120;
    const token = await issuer.token({
      acr: FRONTDESK_ACR.mfa,
      amr: ["pwd", "otp", "mfa"],
      auth_time: authTime,
    });
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ acr: FRONTDESK_ACR.mfa, amr: ["pwd", "otp", "mfa"], auth_time: authTime });
    expect(
      authenticationShortfall(claims, { acr: [FRONTDESK_ACR.sfa], amr: ["otp"], maxAge: 600 }),
    ).toBeUndefined();
    const plain = await verifier.verify(await issuer.token());
    for (const claim of ["acr", "amr", "auth_time"]) expect(plain).not.toHaveProperty(claim);
    expect(authenticationShortfall(plain, { acr: [FRONTDESK_ACR.sfa] })?.acr).toBe(true);
  });

  it("mints with the defaults it is given", async () => {
    const other = await createTestIssuer({
      audience: "https://photos.example.com",
      ttl: 300,
      subject: "svc",
      clientId: "photos-app",
    });
    try {
      const claims = decodeJwt(await other.token());
      expect(claims).toMatchObject({
        aud: "https://photos.example.com",
        sub: "svc",
        client_id: "photos-app",
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
      expect(other.audience).toBe("https://photos.example.com");
    } finally {
      await other.close();
    }
  });

  it.each(["RS256", "EdDSA"] as const)(
    "signs with %s when asked, which the verifier must be pinned to",
    async (alg) => {
      const other = await createTestIssuer({ alg });
      const pinned = createVerifier({ issuer: other.issuer, audience: other.audience, algorithms: [alg] });
      const byDefault = createVerifier({ issuer: other.issuer, audience: other.audience });
      try {
        const token = await other.token();
        expect(decodeProtectedHeader(token).alg).toBe(alg);
        await expect(pinned.verify(token)).resolves.toMatchObject({ iss: other.issuer });
        expect((await refusal(token, byDefault)).reason).toBe("alg_not_allowed");
      } finally {
        await other.close();
      }
    },
  );
});

describe("tokens the guard must refuse", () => {
  const cases: [TokenFlaw | "expired", GuardErrorReason, string][] = [
    ["expired", "token_expired", "token expired"],
    ["unknown-key", "unknown_key", "token signed by an unknown key"],
    ["bad-signature", "signature_invalid", "token signature invalid"],
    ["alg-none", "alg_not_allowed", "token algorithm not allowed"],
    ["wrong-issuer", "claim_invalid", 'invalid "iss" claim'],
    ["wrong-audience", "claim_invalid", 'invalid "aud" claim'],
    ["wrong-typ", "typ_invalid", 'token "typ" must be "at+jwt"'],
    ["not-yet-valid", "claim_invalid", 'invalid "nbf" claim'],
  ];

  it.each(cases)("%s: refused with %s", async (flaw, reason, description) => {
    const claims = { sub: "alice", scope: "photos:read" };
    const token =
      flaw === "expired" ? await issuer.expiredToken(claims) : await issuer.forgedToken(flaw, claims);
    if (flaw !== "alg-none") expect(decodeJwt(token)).toMatchObject(claims); // the flaw is the only difference
    const err = await refusal(token);
    expect(err).toMatchObject({ code: "invalid_token", status: 401, reason, description });
    expect(err.wwwAuthenticate).toContain(
      `error="invalid_token", error_description="${description.replaceAll('"', '\\"')}"`,
    );
    await expect(verifier.verify(await issuer.token(claims))).resolves.toMatchObject(claims);
  });

  it("a forged token names the key it claims: a stranger's kid, or the issuer's", async () => {
    const kid = issuer.jwks.keys[0]?.kid;
    expect(decodeProtectedHeader(await issuer.forgedToken("unknown-key")).kid).not.toBe(kid);
    expect(decodeProtectedHeader(await issuer.forgedToken("bad-signature")).kid).toBe(kid);
    expect(decodeProtectedHeader(await issuer.forgedToken("alg-none"))).toEqual({
      alg: "none",
      typ: "at+jwt",
      kid,
    });
  });

  it("an expired token stays expired whatever times the claims give", async () => {
    const token = await issuer.expiredToken({ exp: Math.floor(Date.now() / 1000) + 600 });
    expect((await refusal(token)).reason).toBe("token_expired");
  });
});

describe("DPoP-bound tokens", () => {
  it("are bound to the key (cnf.jkt) and come with proofs the guard accepts", async () => {
    const bound = await issuer.dpopToken({ scope: "photos:write" });
    expect(bound.jkt).toBe(await calculateJwkThumbprint(bound.key.publicJwk));
    expect(decodeJwt(bound.token).cnf).toEqual({ jkt: bound.jkt });
    const headers = await bound.headers("POST", `${PUBLIC_URL}/photos`);
    expect(headers.authorization).toBe(`DPoP ${bound.token}`);
    const claims = await verifier.verify(bound.token, {
      scopes: ["photos:write"],
      requireDpop: true,
      dpop: { proof: headers.dpop, method: "POST", path: "/photos" },
    });
    expect(claims.scope).toBe("photos:write");
  });

  it("are refused as bearer tokens, and with a proof for another request", async () => {
    const bound = await issuer.dpopToken();
    expect((await refusal(bound.token)).reason).toBe("dpop_bound");
    const { dpop } = await bound.headers("GET", `${PUBLIC_URL}/elsewhere`);
    const err = await verifier
      .verify(bound.token, { dpop: { proof: dpop, method: "GET", path: "/photos" } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: "invalid_dpop_proof", reason: "dpop_htu_mismatch" });
  });

  it("can be bound to a key the test holds", async () => {
    const key = await generateDpopKey("EdDSA");
    const bound = await issuer.dpopToken({}, { key });
    expect(bound.key).toBe(key);
    const { dpop } = await bound.headers("GET", `${PUBLIC_URL}/photos`);
    expect(decodeProtectedHeader(dpop).alg).toBe("EdDSA");
    await expect(
      verifier.verify(bound.token, { dpop: { proof: dpop, method: "GET", path: "/photos" } }),
    ).resolves.toMatchObject({ cnf: { jkt: bound.jkt } });
  });
});
