import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapClaims, verifyTenantIdToken } from "../../../src/features/upstream/exchange.js";
import {
  InvalidProviderInput,
  type NewProvider,
  providerSettings,
} from "../../../src/features/upstream/providers.js";
import type { ProviderRecord } from "../../../src/features/upstream/records.js";
import { appleClientSecret } from "../../../src/features/upstream/secrets.js";
import { AllowList } from "../../../src/outbound/addresses.js";
import { guardedFetch } from "../../../src/outbound/guarded-fetch.js";

const base: NewProvider = {
  id: "corp",
  name: "Corp",
  issuer: "https://id.corp.example",
  clientId: "c",
  clientSecret: "s",
};
const refused = (input: Partial<NewProvider>) => {
  try {
    providerSettings({ ...base, ...input });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidProviderInput);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

describe("provider settings", () => {
  it("refuses bad input with a message naming the option", () => {
    expect(refused({ id: "Bad_Id" })).toMatch(/^--id:/);
    expect(refused({ issuer: "http://id.corp.example" })).toMatch(/^--issuer: must be https/);
    expect(refused({ issuer: "not a url" })).toMatch(/^--issuer: not a URL/);
    expect(refused({ clientSecret: undefined })).toMatch(/--client-secret-stdin/);
    expect(refused({ domains: ["corp example"] })).toMatch(/^--domains:/);
    expect(refused({ claims: { phone: "x" } })).toMatch(/^--claims: phone is not one of/);
    expect(refused({ kind: "oauth2", issuer: undefined })).toMatch(
      /^--authorization-endpoint: required with --kind oauth2/,
    );
    expect(
      refused({
        kind: "oauth2",
        authorizationEndpoint: "https://a.example/authorize",
        tokenEndpoint: "https://a.example/token",
        userinfoEndpoint: "https://a.example/user",
      }),
    ).toMatch(/^--claims: say which field is the stable user id/);
    expect(refused({ preset: "microsoft", issuer: undefined, trustEmail: true })).toMatch(
      /does not verify the addresses/,
    );
    expect(refused({ preset: "apple", issuer: undefined })).toMatch(/--apple-team-id/);
  });

  it("allows http only to this machine (development and tests)", () => {
    expect(providerSettings({ ...base, issuer: "http://127.0.0.1:4000" }).settings.issuer).toBe(
      "http://127.0.0.1:4000",
    );
    expect(providerSettings({ ...base, issuer: "http://localhost:4000/" }).settings.issuer).toBe(
      "http://localhost:4000",
    );
  });

  it("fills in a preset, and what is given on the command line wins", () => {
    const github = providerSettings({ id: "github", preset: "github", clientId: "c", clientSecret: "s" });
    expect(github).toMatchObject({
      kind: "oauth2",
      name: "GitHub",
      settings: {
        issuer: "https://github.com",
        authorizationEndpoint: "https://github.com/login/oauth/authorize",
        emailsEndpoint: "https://api.github.com/user/emails",
        claims: { sub: "id", name: "name", preferred_username: "login" },
      },
    });
    const gitlab = providerSettings({
      id: "gitlab",
      preset: "gitlab",
      issuer: "https://gitlab.corp.example",
      clientId: "c",
      clientSecret: "s",
    });
    expect(gitlab.settings.issuer).toBe("https://gitlab.corp.example");
    const microsoft = providerSettings({ id: "ms", preset: "microsoft", clientId: "c", clientSecret: "s" });
    expect(microsoft.settings.tenantIssuerTemplate).toBe("https://login.microsoftonline.com/{tenantid}/v2.0");
    const oauth2 = providerSettings({
      ...base,
      issuer: undefined,
      kind: "oauth2",
      authorizationEndpoint: "https://a.example/authorize",
      tokenEndpoint: "https://a.example/token",
      userinfoEndpoint: "https://a.example/user",
      claims: { sub: "id" },
    });
    // A plain OAuth 2.0 provider's identities are keyed by its authorization server's origin.
    expect(oauth2.settings.issuer).toBe("https://a.example");
  });
});

const provider = (claims: ProviderRecord["settings"]["claims"] = {}): ProviderRecord => ({
  id: "p",
  name: "P",
  kind: "oauth2",
  clientId: "client-p",
  sealedSecret: null,
  createdAt: 0,
  settings: {
    ...providerSettings({
      ...base,
      issuer: undefined,
      kind: "oauth2",
      authorizationEndpoint: "https://p.example/a",
      tokenEndpoint: "https://p.example/t",
      userinfoEndpoint: "https://p.example/u",
      claims: { sub: "id" },
    }).settings,
    claims,
  },
});

describe("claim mapping", () => {
  it('reads mapped fields (numbers as text, dotted paths, "true" as verified) and lower-cases the address', () => {
    const profile = mapClaims(
      provider({ sub: "id", email: "contact.mail", preferred_username: "login" }),
      "https://p.example",
      {
        id: 4242,
        login: "octo",
        contact: { mail: "Octo@Example.com" },
        email_verified: "true",
      },
    );
    expect(profile).toEqual({
      issuer: "https://p.example",
      subject: "4242",
      email: "octo@example.com",
      emailVerified: true,
      name: null,
      preferredUsername: "octo",
    });
  });

  it("refuses an answer that names no user", () => {
    expect(() => mapClaims(provider({ sub: "id" }), "https://p.example", { login: "octo" })).toThrow(
      /names no user/,
    );
  });
});

describe("Apple's client secret", () => {
  it("is an ES256 JWT by the team's key, for Apple, about this client, short-lived", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const jwt = await appleClientSecret(
      { teamId: "TEAM123456", keyId: "KEY1234567" },
      "com.example.web",
      pem,
      1_800_000_000,
    );
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "ES256", kid: "KEY1234567" });
    const { payload } = await jwtVerify(jwt, publicKey, { currentDate: new Date(1_800_000_100_000) });
    expect(payload).toEqual({
      iss: "TEAM123456",
      sub: "com.example.web",
      aud: "https://appleid.apple.com",
      iat: 1_800_000_000,
      exp: 1_800_000_300,
    });
  });
});

describe("Microsoft's multi-tenant ID tokens", () => {
  let jwksUrl: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  const close: (() => void)[] = [];
  const tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
  // The keys are on this machine over http: the development policy allows that, production's does not.
  const development = {
    fetch: guardedFetch({ production: false, allow: new AllowList([]) }),
    timeoutMs: 5_000,
  };
  const production = {
    fetch: guardedFetch({ production: true, allow: new AllowList([]) }),
    timeoutMs: 5_000,
  };
  const ms = (): ProviderRecord => ({
    ...provider(),
    kind: "oidc",
    clientId: "app-id",
    settings: {
      ...providerSettings({ id: "ms", preset: "microsoft", clientId: "app-id", clientSecret: "s" }).settings,
    },
  });

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    await importJWK(jwk, "RS256");
    const server = createServer((_req, res) =>
      res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close.push(() => server.close());
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
  });
  afterAll(() => {
    for (const c of close) c();
  });

  it("are checked against the template filled with the token's own tenant", async () => {
    const token = await sign({
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      aud: "app-id",
      sub: "s1",
      tid,
      nonce: "n1",
    });
    const claims = await verifyTenantIdToken(
      ms(),
      { issuer: "x", jwks_uri: jwksUrl },
      token,
      "n1",
      development,
    );
    expect(claims).toMatchObject({ sub: "s1", tid });
  });

  it("fetch the provider's keys through the outbound guard (refused where its policy refuses the URL)", async () => {
    const token = await sign({
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      aud: "app-id",
      sub: "s1",
      tid,
      nonce: "n1",
    });
    await expect(
      verifyTenantIdToken(ms(), { issuer: "x", jwks_uri: jwksUrl }, token, "n1", production),
    ).rejects.toMatchObject({ code: "ERR_OUTBOUND_BLOCKED" });
  });

  it("refuse an issuer of another tenant, another audience, a wrong nonce or no tenant", async () => {
    const other = "00000000-0000-0000-0000-000000000001";
    const cases = [
      { iss: `https://login.microsoftonline.com/${other}/v2.0`, aud: "app-id", sub: "s1", tid, nonce: "n1" },
      {
        iss: `https://login.microsoftonline.com/${tid}/v2.0`,
        aud: "another-app",
        sub: "s1",
        tid,
        nonce: "n1",
      },
      { iss: `https://login.microsoftonline.com/${tid}/v2.0`, aud: "app-id", sub: "s1", tid, nonce: "n2" },
      { iss: `https://login.microsoftonline.com/${tid}/v2.0`, aud: "app-id", sub: "s1", nonce: "n1" },
    ];
    for (const claims of cases)
      await expect(
        verifyTenantIdToken(ms(), { issuer: "x", jwks_uri: jwksUrl }, await sign(claims), "n1", development),
      ).rejects.toThrow();
  });
});
