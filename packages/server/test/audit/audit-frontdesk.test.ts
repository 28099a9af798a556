import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditDiscovery } from "../../src/audit/discovery.js";
import { Prober } from "../../src/audit/probe.js";
import { auditRefresh } from "../../src/audit/refresh.js";
import { FormBrowser } from "../helpers/browser.js";
import { codeFlow, REDIRECT, relyingParty } from "../helpers/oidc.js";
import { failOnErrorLogs, startTestServer, type TestServer } from "../helpers/server.js";
import { makeUser } from "../helpers/users.js";
import { auditCli, check, statuses } from "./audit-cli.js";

describe("frontdesk audit against Frontdesk itself", () => {
  let server: TestServer;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    server = await startTestServer();
    client = await server.client({
      name: "audited app",
      grantTypes: ["authorization_code", "client_credentials", "refresh_token"],
      redirectUris: [REDIRECT],
      scopes: "openid read",
    });
  });
  afterAll(() => server.close());
  failOnErrorLogs(() => server);

  it("passes every check it can make on a development server, and skips the rest, saying why", async () => {
    const { code, report } = await auditCli(server.issuer, {
      clientId: client.id,
      secret: client.secret,
      redirectUri: REDIRECT,
    });
    expect(code).toBe(0);
    const expected = Object.fromEntries(report.checks.map((c) => [c.id, "pass"]));
    const skipped = {
      // http on 127.0.0.1: a development set-up, where TLS and Secure cookies cannot be judged.
      "discovery.https": "loopback",
      "signin.cookie-secure": "served over http",
      "signin.cookie-host-prefix": "need https",
      "tls.version": "not https",
      "tls.certificate": "not https",
      "tls.hsts": "not https",
      // Client credentials give no refresh token, and the audit never signs a person in.
      "refresh.rotation": "gave no refresh token",
      "refresh.reuse": "gave no refresh token",
      "refresh.no-store": "gave no refresh token",
    };
    for (const id of Object.keys(skipped)) expected[id] = "skip";
    expect(statuses(report)).toEqual(expected);
    for (const [id, why] of Object.entries(skipped)) expect(check(report, id).detail, id).toContain(why);
    expect(report.checks).toHaveLength(43);
    expect(check(report, "token.signature").detail).toContain("(ES256)");
    expect(check(report, "authz.pkce-required").detail).toContain("error=invalid_request");
    expect(check(report, "signin.framing").detail).toContain("frame-ancestors 'none'");
  });

  it("audited under another name than its issuer, the metadata is refused as someone else's", async () => {
    const other = server.issuer.replace("127.0.0.1", "localhost");
    const { code, report } = await auditCli(other);
    expect(code).toBe(1);
    expect(check(report, "discovery.issuer")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`says ${JSON.stringify(server.issuer)}`),
    });
  });

  it("checks refresh rotation on a refresh token from a real sign-in: rotated, and the old one refused", async () => {
    const rp = await relyingParty(server);
    const person = await makeUser(server.ctx);
    const { tokens } = await codeFlow(rp, new FormBrowser(server.issuer), person);
    const prober = new Prober(server.issuer);
    const { metadata } = await auditDiscovery(prober, server.issuer);
    if (!metadata || !tokens.refresh_token) throw new Error("no metadata or no refresh token");
    const checks = await auditRefresh(
      prober,
      { metadata, client: { id: rp.id, secret: rp.secret }, confidential: true },
      { token: tokens.refresh_token },
    );
    expect(Object.fromEntries(checks.map((c) => [c.id, c.status]))).toEqual({
      "refresh.rotation": "pass",
      "refresh.reuse": "pass",
      "refresh.no-store": "pass",
    });
    expect(checks[1]?.detail).toContain("invalid_grant");
  });
});
