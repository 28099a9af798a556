import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditedProvider, startAuditedProvider } from "../helpers/audited-provider.js";
import { runCli } from "../helpers/http.js";
import { type AuditRun, auditCli, check, group, statuses } from "./audit-cli.js";

const asClient = (p: AuditedProvider) => ({
  clientId: p.client.id,
  secret: p.client.secret,
  redirectUri: p.client.redirectUri,
  ...(p.caFile ? { caFile: p.caFile } : {}),
});

describe("frontdesk audit: node-oidc-provider configured as weakly as it allows", () => {
  let weak: AuditedProvider;
  beforeAll(async () => {
    weak = await startAuditedProvider("weak");
  });
  afterAll(() => weak.close());

  it("fails and warns on each weakness, passes what it checked and found right, and exits 1", async () => {
    const { code, report } = await auditCli(weak.issuer, asClient(weak));
    expect(code).toBe(1);
    expect(report.target).toBe(weak.issuer);
    expect(statuses(report)).toEqual({
      "discovery.metadata": "pass",
      "discovery.issuer": "pass",
      "discovery.response-types": "fail",
      "discovery.alg-none": "pass",
      "discovery.pkce": "pass",
      "discovery.pkce-plain": "pass",
      "discovery.iss-parameter": "pass",
      "discovery.request-uri": "pass",
      "discovery.https": "pass",
      "jwks.reachable": "pass",
      "jwks.private-members": "pass",
      "jwks.kid": "pass",
      "jwks.key-size": "fail",
      "jwks.alg": "warn",
      "authz.redirect-uri": "pass",
      "authz.pkce-required": "warn",
      "authz.pkce-plain": "pass",
      "authz.implicit": "fail",
      "authz.state": "pass",
      "authz.iss": "pass",
      "signin.cookie-httponly": "pass",
      "signin.cookie-secure": "pass",
      "signin.cookie-samesite": "pass",
      "signin.cookie-host-prefix": "warn",
      "signin.framing": "fail",
      "signin.caching": "pass",
      "signin.csp": "warn",
      "token.no-store": "pass",
      "token.signature": "skip",
      "token.alg": "warn",
      "token.typ": "pass",
      "token.lifetime": "fail",
      "token.audience": "pass",
      "token.issuer": "pass",
      "token.jti": "pass",
      "token.personal-data": "warn",
      "token.size": "pass",
      "refresh.rotation": "skip",
      "refresh.reuse": "skip",
      "refresh.no-store": "skip",
      "tls.version": "pass",
      "tls.certificate": "pass",
      "tls.hsts": "warn",
    });
    // The findings name what they saw.
    expect(check(report, "discovery.response-types").detail).toContain('"id_token token"');
    expect(check(report, "jwks.key-size").detail).toContain('kid "legacy-rsa-1024": RSA 1024 bits');
    expect(check(report, "jwks.alg").detail).toContain("1 of 2 signing keys have no alg");
    expect(check(report, "authz.implicit").detail).toContain('"id_token token": error=login_required');
    expect(check(report, "authz.pkce-required").detail).toContain("without code_challenge was accepted");
    // node-oidc-provider 9 cannot be configured to accept plain PKCE: found refused.
    expect(check(report, "authz.pkce-plain").detail).toContain(
      "not supported value of code_challenge_method",
    );
    expect(check(report, "token.alg").detail).toContain("HS256 is a shared secret");
    expect(check(report, "token.signature").detail).toContain("HS256");
    expect(check(report, "token.lifetime").detail).toContain("24 hours");
    expect(check(report, "token.personal-data").detail).toMatch(/^email, name:/);
    expect(check(report, "signin.framing").detail).toContain(
      "neither X-Frame-Options nor CSP frame-ancestors",
    );
    // Every check cites its section.
    for (const c of report.checks) expect(c.reference, c.id).toMatch(/^(RFC \d+|OpenID Connect)/);
  });
});

describe("frontdesk audit: node-oidc-provider hardened", () => {
  let strong: AuditedProvider;
  let run: AuditRun;
  let received: AuditedProvider["received"];
  let maxInFlight: number;
  beforeAll(async () => {
    strong = await startAuditedProvider("strong");
    run = await auditCli(strong.issuer, asClient(strong));
    received = [...strong.received];
    maxInFlight = strong.maxInFlight();
  });
  afterAll(() => strong.close());

  it("passes what it checks, skips what it cannot reach, and exits 0", () => {
    const { code, report } = run;
    expect(code).toBe(0);
    const expected = Object.fromEntries(report.checks.map((c) => [c.id, "pass"]));
    // node-oidc-provider scopes its interaction cookies to a path, which __Host- forbids.
    expected["signin.cookie-host-prefix"] = "warn";
    // The client credentials grant hands out no refresh token, and the audit never signs a person in.
    for (const c of group(report, "refresh.")) expected[c.id] = "skip";
    expect(statuses(report)).toEqual(expected);
    expect(report.checks).toHaveLength(43);
    expect(check(report, "token.signature").detail).toContain("(ES256)");
    expect(check(report, "tls.hsts").detail).toBe("max-age=63072000; includeSubDomains");
  });

  it("sends no load and no password: one request at a time, a handful, and no form posted but the token endpoint", () => {
    expect(maxInFlight).toBe(1);
    expect(received.length).toBeLessThanOrEqual(20);
    const posts = received.filter((r) => r.method !== "GET");
    expect(posts.map((r) => r.path)).toEqual(["/token"]);
  });

  it("never reports a pass it did not check: without a client, every client check is a skip with its reason", async () => {
    const { code, report } = await auditCli(strong.issuer, strong.caFile ? { caFile: strong.caFile } : {});
    expect(code).toBe(0);
    for (const prefix of ["authz.", "signin.", "token.", "refresh."]) {
      const checks = group(report, prefix);
      expect(checks.length, prefix).toBeGreaterThan(2);
      for (const c of checks) {
        expect(c.status, c.id).toBe("skip");
        expect(c.detail, c.id).toMatch(/needs --client-id/);
      }
    }
    // What needs no client still runs.
    expect(statuses(report)).toMatchObject({
      "discovery.pkce": "pass",
      "jwks.key-size": "pass",
      "tls.hsts": "pass",
    });
  });

  it("with a client id but no secret, the authorization checks run and the token checks skip", async () => {
    const { report } = await auditCli(strong.issuer, {
      clientId: strong.client.id,
      redirectUri: strong.client.redirectUri,
      ...(strong.caFile ? { caFile: strong.caFile } : {}),
    });
    expect(new Set(group(report, "authz.").map((c) => c.status))).toEqual(new Set(["pass"]));
    for (const c of group(report, "token.")) expect(c.status, c.id).toBe("skip");
  });

  it("prints a report a person reads, each check with its status, reason and reference", async () => {
    const result = await runCli(
      [
        "audit",
        strong.issuer,
        "--client-id",
        strong.client.id,
        "--client-secret-stdin",
        "--redirect-uri",
        strong.client.redirectUri,
      ],
      strong.caFile ? { NODE_EXTRA_CA_CERTS: strong.caFile } : {},
      strong.client.secret,
    );
    expect(result.code).toBe(0);
    const [summary] = result.stdout.split("\n");
    expect(summary).toMatch(
      new RegExp(`^Audit of ${strong.issuer}: 0 fail, 1 warn, 39 pass, 3 skip \\(\\d+ requests\\)$`),
    );
    expect(result.stdout).toContain(
      "\nAuthorization endpoint\n  PASS  No redirect to an unregistered redirect URI  [authz.redirect-uri]\n",
    );
    expect(result.stdout).toContain("        RFC 9700 §2.1.1\n");
    expect(result.stdout.trim().endsWith("No check failed.")).toBe(true);
  });
});
