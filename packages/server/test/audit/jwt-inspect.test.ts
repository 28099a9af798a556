import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inspection } from "../../src/audit/inspection.js";
import { bothProfiles, RESOURCE } from "../helpers/audited-provider.js";
import { FormBrowser } from "../helpers/browser.js";
import { clientCredentialsToken, runCli } from "../helpers/http.js";
import { codeFlow, relyingParty } from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";

/** The classic jwt.io sample (HS256, secret "your-256-bit-secret"): no exp, no aud, a name. */
const JWT_IO_SAMPLE =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
/** The seeds' "session JWT in localStorage": HS256, ten years, name, email, phone, address and a role. */
const LONG_LIVED_SESSION_JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzEwMjkiLCJuYW1lIjoiSmFuZSBEb2UiLCJlbWFpbCI6ImphbmUuZG9lQGV4YW1wbGUuY29tIiwicGhvbmVfbnVtYmVyIjoiKzEgNTU1IDAxMDAiLCJhZGRyZXNzIjp7InN0cmVldF9hZGRyZXNzIjoiMTIgTWFpbiBTdCIsImxvY2FsaXR5IjoiU3ByaW5nZmllbGQiLCJwb3N0YWxfY29kZSI6IjEyMzQ1In0sInJvbGUiOiJhZG1pbiIsImlhdCI6MTcwNDA2NzIwMCwiZXhwIjoyMDE5Njg2NDAwfQ.Rf-AtYSj_qwx_3Q29vVZgUpf8xdK8Nakr1FFkmYOQac";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const part = (token: string, i: number) =>
  JSON.parse(Buffer.from(token.split(".")[i] ?? "", "base64url").toString());

async function inspect(
  args: string[],
  input?: string,
): Promise<{ code: number | null; result: Inspection; stderr: string }> {
  const run = await runCli(["jwt", "inspect", ...args, "--json"], {}, input);
  const lines = run.stdout.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  return { code: run.code, result: JSON.parse(lines[0] as string) as Inspection, stderr: run.stderr };
}

const statuses = (result: Inspection) => Object.fromEntries(result.checks.map((c) => [c.id, c.status]));
const detail = (result: Inspection, id: string) => result.checks.find((c) => c.id === id)?.detail ?? "";

describe("frontdesk jwt inspect: tokens from Frontdesk, and forged ones", () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  let token: string;
  let audience: string;
  beforeAll(async () => {
    server = await startTestServer();
    client = await server.client();
    token = await clientCredentialsToken(server, client);
    audience = server.ctx.config.resources[0] as string;
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("a Frontdesk access token verifies against its issuer and passes the checklist", async () => {
    const { code, result } = await inspect([token, "--issuer", server.issuer, "--audience", audience]);
    expect(code).toBe(0);
    expect(result).toMatchObject({
      kind: "access_token",
      verified: true,
      verification: { status: "verified" },
    });
    expect(result.verification.reason).toContain(`(ES256) of ${server.issuer}, audience ${audience}`);
    expect(result.payload).toMatchObject({ iss: server.issuer, client_id: client.id, aud: audience });
    expect(new Set(result.checks.map((c) => c.status))).toEqual(new Set(["pass"]));
  });

  it("says 'not verified' until it is: without --issuer nothing is verified, and the text labels say so", async () => {
    const { code, result } = await inspect([token]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ verified: false, verification: { status: "not checked" } });
    const text = await runCli(["jwt", "inspect", "-"], {}, token);
    expect(text.stdout).toContain("Header (not verified):");
    expect(text.stdout).toContain("Payload (not verified):");
    expect(text.stdout).toContain("Signature: not verified (give --issuer URL");
    const verified = await runCli(["jwt", "inspect", token, "--issuer", server.issuer]);
    expect(verified.stdout).toContain("Header (verified):");
    expect(verified.stdout).toContain("Signature: verified, signed by key");
  });

  it("alg none: refused as unsigned, and the checklist fails it", async () => {
    const forged = `${b64({ alg: "none", typ: "at+jwt" })}.${token.split(".")[1]}.`;
    const { code, result } = await inspect([forged, "--issuer", server.issuer]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "alg_none" });
    expect(statuses(result)["token.alg"]).toBe("fail");
  });

  it("a changed payload under the real signature: bad signature, naming the key", async () => {
    const payload = { ...part(token, 1), scope: "admin" };
    const [header, , signature] = token.split(".");
    const { code, result } = await inspect([
      `${header}.${b64(payload)}.${signature}`,
      "--issuer",
      server.issuer,
    ]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "bad_signature" });
    expect(result.verification.reason).toContain(`key "${part(token, 0).kid}"`);
  });

  it("expired: signed by the issuer's own key, refused with when it expired", async () => {
    const { token: expired, claims } = await server.ctx.accessTokens.issue({
      sub: client.id,
      clientId: client.id,
      audience,
      scopes: [],
      ttl: -120,
    });
    const { code, result } = await inspect([expired, "--issuer", server.issuer]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "expired" });
    expect(result.verification.reason).toContain(`expired at ${new Date(claims.exp * 1000).toISOString()}`);
  });

  it("wrong audience: says whom the token is for and whom it was checked for", async () => {
    const { code, result } = await inspect([
      token,
      "--issuer",
      server.issuer,
      "--audience",
      "https://payments.example.test",
    ]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "wrong_audience" });
    expect(result.verification.reason).toBe(
      `wrong audience: the token is for ${JSON.stringify(audience)}, not https://payments.example.test`,
    );
    expect(statuses(result)["token.audience"]).toBe("fail");
  });

  it("a kid the issuer never published: unknown kid, listing the ones it has", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ ...part(token, 1) })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "not-a-frontdesk-key" })
      .sign(privateKey);
    const { result } = await inspect([forged, "--issuer", server.issuer]);
    expect(result.verification).toMatchObject({ status: "failed", code: "unknown_kid" });
    expect(result.verification.reason).toMatch(new RegExp(`\\(it has [^)]*${part(token, 0).kid}`));
  });

  it("algorithm confusion: HS256 keyed with the issuer's public key is refused, never tried", async () => {
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: object[] };
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const forged = await new SignJWT({ ...part(token, 1) })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .sign(secret);
    const { code, result } = await inspect([forged, "--issuer", server.issuer]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "symmetric_alg" });
  });

  it("the lifetime check: 30 minutes warns, two hours fails (tokens signed by the issuer's own key)", async () => {
    const issue = async (ttl: number) =>
      (
        await server.ctx.accessTokens.issue({
          sub: client.id,
          clientId: client.id,
          audience,
          scopes: [],
          ttl,
        })
      ).token;
    const halfHour = await inspect([await issue(1800), "--issuer", server.issuer]);
    expect(halfHour.code).toBe(0);
    expect(statuses(halfHour.result)["token.lifetime"]).toBe("warn");
    expect(detail(halfHour.result, "token.lifetime")).toBe(
      "lives 30 minutes (exp - iat): more than 15 minutes",
    );
    const twoHours = await inspect([await issue(7200), "--issuer", server.issuer]);
    expect(twoHours.code).toBe(1);
    expect(twoHours.result.verified).toBe(true);
    expect(statuses(twoHours.result)["token.lifetime"]).toBe("fail");
  });

  it("an ID token from a real sign-in is read as one: verified, and the access-token-only checks skipped", async () => {
    const rp = await relyingParty(server);
    const person = await makeUser(server.ctx);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), person);
    const { code, result } = await inspect([
      tokens.id_token as string,
      "--issuer",
      server.issuer,
      "--audience",
      rp.id,
    ]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ kind: "id_token", verified: true, header: { alg: "RS256" } });
    expect(statuses(result)).toMatchObject({
      "token.typ": "skip",
      "token.personal-data": "skip",
      "token.audience": "pass",
    });
  });

  it("reads the token from standard input with -, and refuses what is not a JWT", async () => {
    const piped = await inspect(["-"], `${token}\n`);
    expect(piped.result.payload.jti).toBe(part(token, 1).jti);
    const garbage = await runCli(["jwt", "inspect", "not-a-token"]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain("not a JWT: 1 part(s)");
    const jwe = await runCli(["jwt", "inspect", "a.b.c.d.e"]);
    expect(jwe.stderr).toContain("an encrypted token (JWE");
  });
});

describe("frontdesk jwt inspect: tokens from node-oidc-provider (client credentials)", () => {
  const providers = bothProfiles();

  it("the hardened provider's ES256 token verifies and passes the checklist", async () => {
    const strong = providers.strong();
    const token = await clientCredentialsToken(strong, strong.client);
    const { code, result } = await inspect([token, "--issuer", strong.issuer, "--audience", RESOURCE]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ verified: true, header: { alg: "ES256", typ: "at+jwt" } });
    expect(new Set(result.checks.map((c) => c.status))).toEqual(new Set(["pass"]));
  });

  it("the weak provider's token: a shared secret it cannot verify, a day long, with personal data", async () => {
    const weak = providers.weak();
    const token = await clientCredentialsToken(weak, weak.client);
    const { code, result } = await inspect([token, "--issuer", weak.issuer, "--audience", RESOURCE]);
    expect(code).toBe(1);
    expect(result.verification).toMatchObject({ status: "failed", code: "symmetric_alg" });
    expect(statuses(result)).toMatchObject({
      "token.alg": "warn",
      "token.lifetime": "fail",
      "token.personal-data": "warn",
      "token.audience": "pass",
      "token.typ": "pass",
    });
    expect(detail(result, "token.lifetime")).toContain("24 hours");
    expect(detail(result, "token.personal-data")).toMatch(/^email, name:/);
  });
});

describe("frontdesk jwt inspect: the seeds' example tokens", () => {
  it("the jwt.io sample: HS256 shared secret, no exp, no audience or issuer, a person's name", async () => {
    const { code, result } = await inspect([JWT_IO_SAMPLE]);
    expect(code).toBe(1);
    expect(result.header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(statuses(result)).toEqual({
      "token.alg": "warn",
      "token.typ": "warn",
      "token.lifetime": "fail",
      "token.audience": "fail",
      "token.issuer": "fail",
      "token.jti": "warn",
      "token.personal-data": "warn",
      "token.size": "pass",
    });
    expect(detail(result, "token.alg")).toContain("HS256 is a shared secret");
    expect(detail(result, "token.lifetime")).toContain("no exp");
    expect(detail(result, "token.personal-data")).toMatch(/^name:/);
  });

  it("a long-lived session JWT with personal data: ten years, and every personal claim named", async () => {
    const { code, result } = await inspect([LONG_LIVED_SESSION_JWT]);
    expect(code).toBe(1);
    expect(statuses(result)).toMatchObject({
      "token.alg": "warn",
      "token.lifetime": "fail",
      "token.personal-data": "warn",
    });
    expect(detail(result, "token.lifetime")).toBe(
      "lives 10 years (exp - iat): a leaked token stays useful that long",
    );
    expect(detail(result, "token.personal-data")).toMatch(/^name, email, phone_number, address:/);
  });

  it("with --issuer, a shared-secret token is refused as unverifiable from published keys", async () => {
    const server = await startTestServer();
    try {
      const { result } = await inspect([JWT_IO_SAMPLE, "--issuer", server.issuer]);
      expect(result.verification).toMatchObject({ status: "failed", code: "symmetric_alg" });
    } finally {
      await server.close();
    }
  });
});
